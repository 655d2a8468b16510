"""Hidden grader for llm-apps/chain-of-thought.

Word problems, example pools, reasoning drafts and the order of the sampled answers are drawn per submission
(submission_rng). The scripted model (`llm`) checks every prompt it receives (the system prompt, the k most
similar examples as user/assistant turns, least similar first, then the question) and answers with drafts.
"""

import re
from collections import Counter
from decimal import Decimal

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

LLM = {"budget_tokens": 8000, "budget_calls": 8, "tokens": "words", "model": "gradient-scripted"}

SYSTEM_PROMPT = (
    "Solve the problem step by step. End your reply with a last line of the form 'Final answer: <number>'."
)
WORD = re.compile(r"[a-z0-9]+")
NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")
NAMES = ["Nina", "Omar", "Lena", "Kofi", "Mei", "Ivan", "Sara", "Theo"]
FILLERS = ["I write down what the question gives", "Then I combine the amounts in the right order",
           "I check each step twice", "Keeping track of the units helps here", "Now I do the arithmetic carefully"]


def _canon(value):
    value = Decimal(str(value))
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


def _problem(rng):
    """(question, reasoning, canonical answer) from one of eight word-problem templates."""
    kind = int(rng.integers(8))
    name = NAMES[int(rng.integers(len(NAMES)))]
    a, b, c = (int(x) for x in rng.integers(3, 40, size=3))
    if kind == 0:
        p = a * b
        c = int(rng.integers(1, p))
        return (f"A baker fills {a} trays with {b} muffins each and sells {c} muffins. How many muffins are left?",
                f"{a} trays of {b} muffins make {a} * {b} = {p} muffins. After selling {c}, {p} - {c} = {p - c} are left.",
                _canon(p - c))
    if kind == 1:
        return (f"{name} has {a} marbles and buys {b} bags with {c} marbles in each. How many marbles does {name} have now?",
                f"The bags hold {b} * {c} = {b * c} marbles. Together {a} + {b * c} = {a + b * c} marbles.",
                _canon(a + b * c))
    if kind == 2:
        return (f"A train travels at {a * 5} km per hour for {b % 9 + 2} hours. How many km does it travel?",
                f"Distance is speed times time: {a * 5} * {b % 9 + 2} = {a * 5 * (b % 9 + 2)} km.",
                _canon(a * 5 * (b % 9 + 2)))
    if kind == 3:
        return (f"{a} friends share {a * b} stickers equally. How many stickers does each friend get?",
                f"Each friend gets {a * b} / {a} = {b} stickers.", _canon(b))
    if kind == 4:
        price = Decimal(a) + Decimal(["0.5", "0.25", "0.75"][int(rng.integers(3))])
        n = b % 7 + 2
        return (f"A notebook costs {price} dollars. How much do {n} notebooks cost in dollars?",
                f"{n} notebooks cost {n} * {price} = {price * n} dollars.", _canon(price * n))
    if kind == 5:
        pages = a * 20 + b
        per_day, days = c % 10 + 2, a % 5 + 2
        return (f"A book has {pages} pages. {name} reads {per_day} pages a day for {days} days. How many pages are left?",
                f"{name} reads {per_day} * {days} = {per_day * days} pages, so {pages} - {per_day * days} = "
                f"{pages - per_day * days} pages are left.", _canon(pages - per_day * days))
    if kind == 6:
        start, fall = a % 12, b + 5
        return (f"The temperature is {start} degrees in the evening and falls by {fall} degrees overnight. What is "
                "the temperature in the morning?",
                f"{start} - {fall} = {start - fall} degrees.", _canon(start - fall))
    per_day = a * 125
    return (f"A factory makes {per_day} bolts a day. How many bolts does it make in {b} days?",
            f"{per_day} bolts a day for {b} days is {per_day} * {b} = {per_day * b} bolts.", _canon(per_day * b))


def _pool(rng, size):
    pool, seen = [], set()
    while len(pool) < size:
        question, reasoning, answer = _problem(rng)
        if question not in seen:
            seen.add(question)
            pool.append({"question": question, "reasoning": reasoning, "answer": answer})
    return pool


def _words(text):
    return set(WORD.findall(text.lower()))


def _select(pool, question, k):
    target = _words(question)
    scored = [(len(_words(example["question"]) & target), index) for index, example in enumerate(pool)]
    chosen = sorted(scored, key=lambda pair: (-pair[0], pair[1]))[:k]
    return [pool[index] for _, index in sorted(chosen)]


def _messages(examples, question):
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    for example in examples:
        messages.append({"role": "user", "content": f"Question: {example['question']}"})
        messages.append({"role": "assistant", "content": f"{example['reasoning']}\nFinal answer: {example['answer']}"})
    return messages + [{"role": "user", "content": f"Question: {question}"}]


def _display(rng, answer):
    """How a draft may write a canonical answer: thousands separators, trailing zeros, a currency sign."""
    value = Decimal(answer)
    choice = int(rng.integers(3))
    if value == value.to_integral_value():
        if abs(value) >= 1000 and choice == 0:
            return f"{int(value):,}"
        return f"{int(value)}.0" if choice == 1 else answer
    return answer + "0" if choice == 1 else answer


def _first_number(text):
    match = NUMBER.search(text)
    return _canon(match.group().replace(",", "")) if match else None


def _draft(rng, answer, style=None):
    """A chain of thought that ends in `answer`; its first number is never that answer, and any earlier
    'final answer' it mentions is another number."""
    while True:
        x, y = (int(v) for v in rng.integers(2, 90, size=2))
        other = _canon(Decimal(answer) + int(rng.integers(1, 9)))
        shown = _display(rng, answer)
        filler = FILLERS[int(rng.integers(len(FILLERS)))]
        kind = int(rng.integers(6)) if style is None else style
        text = [
            f"Start with {x}. {filler}. Working it through gives {shown}.\nFinal answer: {shown}",
            f"We have {x} to begin with and {y} more to use. {filler}.\n\n**Final answer:** {shown}",
            f"At first I wrote final answer: {other}, but I slipped with {x}. {filler}.\nFinal Answer: {shown}.",
            f"{x} is the starting amount. {filler}, so the final answer: {shown} in total",
            f"Step 1: take {x}.\nStep 2: {filler}.\nFINAL ANSWER: ${shown}",
            f"Using {x} and {y}: {filler}.\nFinal answer: {shown} (from {x} and {y})",
        ][kind]
        if _first_number(text) != answer:
            return text


def _answers(rng, count, avoid=()):
    """`count` distinct canonical answers, none of them in `avoid`, and never 1 (a draft's 'Step 1:')."""
    found = []
    while len(found) < count:
        value = _canon(int(rng.integers(-20, 3000)) if rng.integers(4) else Decimal(int(rng.integers(1, 400))) / 4)
        if value not in found and value not in avoid and value != "1":
            found.append(value)
    return found


def _check_prompt(request, examples, question, k):
    """The checks the scripted model makes on every request of self_consistency (it fails the test)."""
    sent = request["messages"]
    roles = [m.get("role") for m in sent]
    assert roles and roles[0] == "system" and sent[0].get("content") == SYSTEM_PROMPT, (
        "the first message of the request is not the system message SYSTEM_PROMPT (the starter's constant)"
    )
    assert roles[1:] == ["user", "assistant"] * ((len(roles) - 2) // 2) + ["user"], (
        f"the request's roles were {roles}: expected the system message, one user/assistant pair per example, then "
        "the question as the last user message"
    )
    pairs = (len(roles) - 2) // 2
    assert pairs == len(examples), (
        f"the prompt holds {pairs} example(s) for k={k} and a pool of examples: a few-shot prompt needs the k "
        "selected examples as user/assistant turns"
    )
    users = [m.get("content") for m in sent[1:-1:2]]
    chosen = [f"Question: {e['question']}" for e in examples]
    assert sorted(map(str, users)) == sorted(chosen), (
        "the prompt's examples are not the k pool examples whose questions share the most words with the question "
        "(or their user turns are not 'Question: <question>')"
    )
    assert users == chosen, (
        "the prompt has the right examples in the wrong order: least similar first, most similar last (right "
        "before the question); equal overlaps keep the pool's order"
    )
    replies = [m.get("content") for m in sent[2:-1:2]]
    assert replies == [f"{e['reasoning']}\nFinal answer: {e['answer']}" for e in examples], (
        "an example's assistant turn is not '<reasoning>\\nFinal answer: <answer>': the examples must show the "
        "format the model should copy"
    )
    assert sent[-1].get("content") == f"Question: {question}", (
        f"the last message was {sent[-1].get('content')!r:.200}, not 'Question: ' followed by the question"
    )
    temperature = request.get("temperature")
    assert isinstance(temperature, int | float) and temperature > 0, (
        f"a request was sent with temperature={temperature!r}: self-consistency needs diverse samples "
        "(temperature above 0, as passed to self_consistency)"
    )


def _scripted(llm, drafts, examples, question, k, max_tokens=None):
    queue = list(drafts)

    def respond(request):
        _check_prompt(request, examples, question, k)
        if max_tokens is not None:
            sent = request.get("max_tokens", request.get("max_completion_tokens"))
            assert sent == max_tokens, (
                f"self_consistency sent max_tokens={sent!r}, not the max_tokens it was given: pass it on every request"
            )
        assert queue, "self_consistency called the model more often than its n samples allow"
        return queue.pop(0)
    llm.respond(respond)


def _run(student, **kwargs):
    shown = ", ".join(f"{key}={value!r:.60}" for key, value in kwargs.items())
    call = f"self_consistency({shown})"
    try:
        got = student.self_consistency(**kwargs)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    keys = {"answer", "answers", "calls", "stopped", "prompt_tokens", "completion_tokens", "total_tokens"}
    assert isinstance(got, dict) and keys <= set(got), (
        f"{call} returned {got!r:.300}; expected a dict with the keys {sorted(keys)}"
    )
    return call, got


@points(2)
def test_select_examples_by_overlap_in_order(student):
    rng = submission_rng("llm-apps/chain-of-thought:select")
    for _ in range(3):
        while True:  # overlaps that differ among the chosen, so that their order matters
            pool = _pool(rng, int(rng.integers(6, 10)))
            question = _problem(rng)[0]
            k = int(rng.integers(2, 5))
            overlaps = {len(_words(e["question"]) & _words(question)) for e in _select(pool, question, k)}
            if len(overlaps) > 1:
                break
        got = student.select_examples(pool, question, k)
        want = _select(pool, question, k)
        call = f"select_examples(<a pool of {len(pool)} examples>, {question!r}, k={k})"
        assert isinstance(got, list) and len(got) == k, f"{call} returned {got!r:.300}: expected a list of {k} examples"
        got_questions = [e.get("question") if isinstance(e, dict) else e for e in got]
        assert sorted(map(str, got_questions)) == sorted(e["question"] for e in want), (
            f"{call} chose the questions {got_questions!r:.600}: these are not the {k} examples sharing the most "
            "distinct lower-case words with the question (ties: earlier in the pool)"
        )
        assert got == want, (
            f"{call} chose the right examples but ordered them {got_questions!r:.600}: least similar first, most "
            "similar last, equal overlaps in pool order"
        )
    pool = _pool(rng, 3)
    got = student.select_examples(pool, "How many?", 5)
    assert isinstance(got, list) and len(got) == 3, f"select_examples(<3 examples>, 'How many?', k=5) returned {got!r:.300}: k above the pool's size gives the whole pool"
    got = student.select_examples(pool, "How many?", 0)
    assert got == [], f"select_examples(<3 examples>, 'How many?', k=0) returned {got!r:.200}, expected [] (zero-shot)"


@shows_expected
@points(1)
def test_build_messages_statement_example(student):
    examples = [
        {"question": "Ana has 5 apples and eats 2. How many apples are left?", "reasoning": "5 - 2 = 3 apples are left.",
         "answer": "3"},
        {"question": "Tom has 3 bags with 4 apples each. How many apples does he have?",
         "reasoning": "3 bags of 4 apples is 3 * 4 = 12 apples.", "answer": "12"},
    ]
    question = "Ben has 4 bags with 6 apples each. How many apples does he have?"
    got = student.build_messages(examples, question)
    want = _messages(examples, question)
    assert got == want, f"build_messages(<the README's two examples>, {question!r}) returned {got!r}, expected {expected(want)}"


@points(1.5)
def test_parse_final_answer_of_drafts(student):
    rng = submission_rng("llm-apps/chain-of-thought:parse")
    for style in [int(s) for s in rng.permutation(6)] + [None, None]:
        (answer,) = _answers(rng, 1)
        draft = _draft(rng, answer, style)
        got = student.parse_final_answer(draft)
        assert got == answer, (
            f"parse_final_answer({draft!r}) returned {got!r}, expected {expected(answer)}: take the number on the "
            "line of the LAST 'Final answer:' marker (any case, ** allowed), without thousands separators or "
            "trailing zeros, never the first number of the reasoning"
        )


@shows_expected
@points(0.5)
def test_parse_final_answer_without_an_answer(student):
    for text in [None, "", "The muffins left are 31.", "Final answer: I am not sure.", "final answer - 12"]:
        got = student.parse_final_answer(text)
        assert got is None, f"parse_final_answer({text!r}) returned {got!r}, expected None (no marker with a number)"


@points(1.5)
def test_majority_vote_ties_and_missing_answers(student):
    rng = submission_rng("llm-apps/chain-of-thought:vote")
    for size in (2, 3, 2):
        values = _answers(rng, size + 1)
        tied, rest = values[:size], values[size:]
        answers = tied * 2 + rest + [None] * int(rng.integers(1, 3))
        answers = [answers[int(i)] for i in rng.permutation(len(answers))]
        want = next(a for a in answers if a in tied)
        got = student.majority_vote(answers)
        assert got == want, (
            f"majority_vote({answers!r}) returned {got!r}, expected {expected(want)}: None is no vote, and a tie goes to "
            "the tied answer that was sampled first"
        )
    winner, other = _answers(rng, 2)
    answers = [None, None, None, other, winner, winner]
    got = student.majority_vote(answers)
    assert got == winner, f"majority_vote({answers!r}) returned {got!r}: None is a failed sample, not a vote"
    for answers in ([None, None], []):
        got = student.majority_vote(answers)
        assert got is None, f"majority_vote({answers!r}) returned {got!r}, expected None"


@points(2)
def test_self_consistency_prompt_and_vote(student, llm):
    rng = submission_rng("llm-apps/chain-of-thought:sc")
    pool = _pool(rng, 8)
    question = _problem(rng)[0]
    k = int(rng.integers(2, 4))
    temperature = float(rng.choice([0.5, 0.7, 0.9]))
    first, second, third = _answers(rng, 3)
    answers = [first, first, second, second, third if rng.integers(2) else None]
    answers = [answers[int(i)] for i in rng.permutation(5)]
    drafts = [_draft(rng, a) if a is not None else "Let me think about it. I am not sure." for a in answers]
    _scripted(llm, drafts, _select(pool, question, k), question, k)
    call, got = _run(student, question=question, pool=pool, k=k, n=5, temperature=temperature)
    assert llm.calls == 5, f"{call} made {llm.calls} model calls: no answer reached a majority of 5, so all 5 samples are needed"
    parsed = [str(a) if a is not None else None for a in got["answers"]]
    assert parsed == answers, (
        f"{call} returned answers {got['answers']!r} for the 5 drafts the model sent ({' | '.join(d[-40:] for d in drafts)!r:.600}): "
        "one parsed final answer (or None) per sample, in order"
    )
    want = next(a for a in answers if a in (first, second))
    assert got["answer"] == want, (
        f"{call} returned answer {got['answer']!r} from the samples {answers!r}: two answers tie, and a tie goes to the "
        f"one sampled first, {expected(want)}"
    )
    assert got["calls"] == 5 and got["stopped"] == "all_samples", (
        f"{call} reported calls={got['calls']!r}, stopped={got['stopped']!r}; expected 5 and 'all_samples'"
    )


@points(1)
def test_stops_early_at_a_majority(student, llm):
    rng = submission_rng("llm-apps/chain-of-thought:early")
    pool = _pool(rng, 6)
    question = _problem(rng)[0]
    n = int(rng.choice([5, 7]))
    while True:
        values = _answers(rng, 2) + [None]
        answers = [values[int(i)] for i in rng.choice(3, size=n, p=[0.55, 0.3, 0.15])]
        counts, stop = Counter(), None
        for index, answer in enumerate(answers):
            counts[answer] += 1
            if answer is not None and counts[answer] > n // 2:
                stop = index + 1
                break
        if stop is not None and stop < n:
            break
    drafts = [_draft(rng, a) if a is not None else "I cannot tell." for a in answers]
    _scripted(llm, drafts, _select(pool, question, 3), question, 3)
    call, got = _run(student, question=question, pool=pool, k=3, n=n, temperature=0.8)
    assert llm.calls == stop, (
        f"{call} made {llm.calls} calls; the model's samples parse to {answers!r}: stop as soon as one answer has "
        f"more than n // 2 = {n // 2} votes, which the remaining samples can no longer beat"
    )
    assert got["stopped"] == "majority" and got["answer"] == answers[stop - 1], (
        f"{call} returned answer={got['answer']!r}, stopped={got['stopped']!r}; expected the majority answer and 'majority'"
    )


@points(1)
def test_token_budget_and_usage(student, llm):
    rng = submission_rng("llm-apps/chain-of-thought:budget")
    pool = _pool(rng, 6)
    question = _problem(rng)[0]
    examples = _select(pool, question, 2)
    n = 6
    answers = _answers(rng, n)
    drafts = [_draft(rng, a) for a in answers]
    prompt = sum(llm.count(m["content"]) for m in _messages(examples, question))
    totals = [prompt + llm.count(d) for d in drafts]
    made = int(rng.integers(2, 5))
    used = sum(totals[:made])
    low = max(sum(totals[: made - 1]) + totals[made - 2], used)
    budget = int(rng.integers(low, used + totals[made - 1]))
    _scripted(llm, drafts, examples, question, 2)
    call, got = _run(student, question=question, pool=pool, k=2, n=n, temperature=0.7, budget_tokens=budget)
    assert llm.calls == made and got["stopped"] == "budget", (
        f"{call} made {llm.calls} calls and reported stopped={got['stopped']!r}; before each call after the first, "
        "stop when the tokens used so far plus the last call's total_tokens would go over budget_tokens"
    )
    reported = (got["prompt_tokens"], got["completion_tokens"], got["total_tokens"])
    used = (llm.prompt_tokens, llm.completion_tokens, llm.tokens)
    assert reported == used, (
        f"{call} reported (prompt, completion, total) tokens {reported}, which is not what the responses' usage "
        "adds up to: sum response.usage over every call"
    )


@points(1)
def test_cut_off_drafts_do_not_vote(student, llm):
    rng = submission_rng("llm-apps/chain-of-thought:length")
    pool = _pool(rng, 6)
    question = _problem(rng)[0]
    whole, short = str(int(rng.integers(10, 99))), _answers(rng, 2)
    cut = f"{whole}.{int(rng.integers(1, 10))}"
    padding = " ".join(FILLERS[int(i)] + "." for i in rng.permutation(len(FILLERS)))
    long_draft = f"Start with {int(rng.integers(2, 9))}. {padding} {padding}\nFinal answer: {cut}"
    max_tokens = llm.count(long_draft[: len(long_draft) - len(cut) + len(whole)])
    drafts = [long_draft, _draft(rng, short[0], 0), _draft(rng, short[1], 5)]
    assert all(llm.count(d) < max_tokens for d in drafts[1:])
    _scripted(llm, drafts, _select(pool, question, 3), question, 3, max_tokens=max_tokens)
    call, got = _run(student, question=question, pool=pool, n=3, temperature=0.7, max_tokens=max_tokens)
    first = got["answers"][0] if got["answers"] else "(no sample)"
    assert first is None, (
        f"{call}: the first reply was cut off by max_tokens (finish_reason 'length') and ends in {long_draft[-30:]!r:.60} "
        f"cut to {whole!r}; its answer was parsed as {first!r}, but a cut-off draft's answer must count as None"
    )
    assert llm.calls == 3 and got["answer"] == short[0], (
        f"{call} made {llm.calls} calls and answered {got['answer']!r}; with the cut-off draft discarded, the other "
        "two samples tie and the first of them wins"
    )


@points(0.5)
def test_rejects_settings_that_cannot_vote(student, llm):
    pool = _pool(submission_rng("llm-apps/chain-of-thought:settings"), 4)
    for kwargs in ({"temperature": 0}, {"n": 0}):
        call = f"self_consistency('How many?', <4 examples>, {', '.join(f'{k}={v}' for k, v in kwargs.items())})"
        try:
            got = student.self_consistency("How many?", pool, **kwargs)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"{call} returned {got!r:.200}: expected ValueError (temperature must be above 0, n at least 1)")
    assert llm.calls == 0, f"the invalid settings still led to {llm.calls} model call(s): check them before calling the model"
