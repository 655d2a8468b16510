"""Hidden grader for fine-tuning/instruction-data.

Conversations, seed tasks, the scripted model's generated instructions and the data to split are drawn per
submission (submission_rng). The tokenizer is the support file's (chat_tokens.py); this file keeps its own
copy of the template's rules to know the right labels.
"""

import math
import re

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

LLM = {"budget_tokens": 6000, "budget_calls": 4, "tokens": "words", "model": "gradient-scripted"}

SPECIAL_TOKENS = ["<|pad|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
DEFAULT_SYSTEM = "You are a helpful assistant."
BLOCKED_WORDS = {"image", "images", "picture", "photo", "video", "draw", "diagram"}
TOPICS = ["volcanoes", "the moon", "honey bees", "rainbows", "chess", "glaciers", "the printing press", "green tea",
          "coral reefs", "bicycles", "lighthouses", "the water cycle", "solar panels", "origami", "penguins", "jazz"]
TEMPLATES = ["Write a short poem about {t}", "Explain how {t} work to a ten year old", "List three surprising facts about {t}",
             "Summarise the history of {t} in two sentences", "Suggest five names for a club about {t}",
             "Give a quiz question about {t} with its answer", "Describe {t} to someone who has never seen them",
             "Compare {t} and {u} in a short paragraph", "Write a haiku that mentions {t}",
             "Plan a one day school trip to learn about {t}"]
USER_TURNS = ["What is the capital of Peru?", "Give me a synonym for happy.", "How do plants drink water?",
             "Can you suggest a name for my café?", "Why is the sky blue?", "Translate 'good night' into French.",
             "What is 12 times 7?", "Name a naïve mistake in chess."]
ANSWERS = ["Lima is the capital of Peru.", "Cheerful.", "They pull water up from their roots through thin tubes.",
           "How about Café Lumière?", "Air scatters blue light more than red light.", "Bonne nuit.", "84.",
           "Moving the queen out too early."]
SYSTEMS = ["You are a concise tutor.", "Answer in one sentence.", "You are a friendly café assistant."]


def _encode(text):
    ids, i = [], 0
    while i < len(text):
        for number, token in enumerate(SPECIAL_TOKENS):
            if text.startswith(token, i):
                ids.append(number)
                i += len(token)
                break
        else:
            ids.extend(5 + b for b in text[i].encode("utf-8"))
            i += 1
    return ids


def _decode(ids):
    out, pending = [], bytearray()
    for token in ids:
        if token < 5:
            out.append(pending.decode("utf-8", errors="replace") + SPECIAL_TOKENS[token])
            pending = bytearray()
        else:
            pending.append(token - 5)
    return "".join(out) + pending.decode("utf-8", errors="replace")


def _pieces(messages):
    if messages[0]["role"] != "system":
        messages = [{"role": "system", "content": DEFAULT_SYSTEM}] + list(messages)
    pieces = []
    for number, message in enumerate(messages):
        pieces += [(f"<|{message['role']}|>\n", None),
                   (message["content"].strip() + "<|end|>", number if message["role"] == "assistant" else None),
                   ("\n", None)]
    return pieces


def _render(messages, add_generation_prompt=False):
    return "".join(p for p, _ in _pieces(messages)) + ("<|assistant|>\n" if add_generation_prompt else "")


def _example(messages, only_last=False):
    pieces = _pieces(messages)
    trained = [n for _, n in pieces if n is not None]
    keep = {trained[-1]} if only_last else set(trained)
    ids, labels = [], []
    for piece, number in pieces:
        piece_ids = _encode(piece)
        ids += piece_ids
        labels += piece_ids if number in keep else [-100] * len(piece_ids)
    return ids, labels


def _pad(rng, text):
    return [" ", "", "\n", "  "][int(rng.integers(4))] + text + ["", " ", "\n", " \n"][int(rng.integers(4))]


def _conversation(rng, turns, system=None):
    system = bool(rng.integers(2)) if system is None else system
    messages = [{"role": "system", "content": _pad(rng, SYSTEMS[int(rng.integers(len(SYSTEMS)))])}] if system else []
    for index in rng.choice(len(USER_TURNS), size=turns, replace=False):
        messages.append({"role": "user", "content": _pad(rng, USER_TURNS[int(index)])})
        messages.append({"role": "assistant", "content": _pad(rng, ANSWERS[int(index)])})
    return messages


def normalise(text):
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def similarity(a, b, n=2):
    def grams(text):
        words = normalise(text).split()
        if not words:
            return set()
        return {tuple(words)} if len(words) < n else {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}
    first, second = grams(a), grams(b)
    return len(first & second) / len(first | second) if first and second else 0.0


def _reason(text, pool):
    words = normalise(text).split()
    if len(words) < 3:
        return "too_short"
    if len(words) > 30:
        return "too_long"
    if not re.match(r"[A-Za-z]", text.strip()):
        return "bad_format"
    if BLOCKED_WORDS & set(words):
        return "blocked"
    if any(normalise(p) == normalise(text) for p in pool):
        return "duplicate"
    if any(similarity(text, p) >= 0.5 for p in pool):
        return "near_duplicate"
    return "ok"


def _instruction(rng):
    t, u = (str(x) for x in rng.choice(TOPICS, size=2, replace=False))
    return TEMPLATES[int(rng.integers(len(TEMPLATES)))].format(t=t, u=u)


def _fresh(rng, pool):
    while True:
        text = _instruction(rng)
        if _reason(text, pool) == "ok":
            return text


def _seeds(rng, n):
    seeds = []
    while len(seeds) < n:
        seeds.append(_fresh(rng, seeds))
    return seeds


def _bad(rng, pool, kind):
    """A candidate that the filters reject for `kind` against `pool`."""
    while True:
        base = pool[int(rng.integers(len(pool)))]
        topic = str(rng.choice(TOPICS))
        text = {
            "too_short": ["Summarise it.", "Explain this", "Help me!", "Continue", "Tell jokes"][int(rng.integers(5))],
            "too_long": _instruction(rng) + ", and then " + " and then ".join(
                f"explain step {i} of it in plain words" for i in range(1, 5)),
            "bad_format": ["- ", "* ", '"', "(", "... "][int(rng.integers(5))] + _fresh(rng, pool),
            "blocked": [f"Draw a picture of {topic}", f"Describe the image of {topic} below",
                        f"Make a short video script about {topic}", f"Sketch a diagram of {topic}"][int(rng.integers(4))],
            "duplicate": base.upper() + ["", ".", "!", " ?"][int(rng.integers(4))],
            "near_duplicate": base + [" please", " for me", " today", " in simple words"][int(rng.integers(4))],
        }[kind]
        if _reason(text, pool) == kind:
            return text


KINDS = ["too_short", "too_long", "bad_format", "blocked", "duplicate", "near_duplicate"]


def _labels_problem(messages, got, only_last=False):
    """What is wrong with build_example's result, in words (None when it is right)."""
    want_ids, want_labels = _example(messages, only_last)
    if not isinstance(got, dict) or not isinstance(got.get("input_ids"), list) or not isinstance(got.get("labels"), list):
        return f"returned {got!r:.200}; expected a dict with the lists 'input_ids' and 'labels'"
    ids, labels = got["input_ids"], got["labels"]
    if ids != want_ids:
        return (f"returned input_ids that are not chat_tokens.encode(render_chat(messages)) ({len(ids)} ids, decoded "
                f"{_decode([i for i in ids if isinstance(i, int) and 0 <= i < 261])[:200]!r})")
    if len(labels) != len(ids):
        return f"returned {len(labels)} labels for {len(ids)} input ids: one label per token"
    extra = [i for i, (g, w) in enumerate(zip(labels, want_labels)) if g != -100 and w == -100]
    lost = [i for i, (g, w) in enumerate(zip(labels, want_labels)) if g == -100 and w != -100]
    if extra:
        shown = _decode([ids[i] for i in extra])
        return (f"trains on {len(extra)} tokens that must be masked with -100 ({shown[:160]!r}...): the loss "
                "covers only the assistant's answers" + (", and with only_last=True only the last one" if only_last else
                " and their <|end|>, never the system or user text, the role headers or the newlines between messages"))
    if lost:
        shown = _decode([ids[i] for i in lost])
        return (f"masks {len(lost)} tokens that should be trained ({shown[:160]!r}): every token of an assistant "
                "answer, and the <|end|> after it, keeps its id as its label (the model must learn to stop)")
    if labels != want_labels:
        return "trains on the right positions, but a trained label is not the input id at that position"
    return None


def _build(student, messages, **kwargs):
    call = f"build_example({messages!r:.400}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    try:
        return call, student.build_example(messages, **kwargs)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None


@shows_expected
@points(1)
def test_render_chat_statement_example(student):
    messages = [{"role": "user", "content": "  Name a prime number.  "}, {"role": "assistant", "content": "7 is prime.\n"}]
    got = student.render_chat(messages)
    want = _render(messages)
    assert got == want, f"render_chat({messages!r}) returned {got!r}, expected {expected(want)}"
    got = student.render_chat(messages[:1], add_generation_prompt=True)
    want = _render(messages[:1], True)
    assert got == want, (
        f"render_chat({messages[:1]!r}, add_generation_prompt=True) returned {got!r}, expected {expected(want)}"
    )


@points(1.5)
def test_render_chat_conversations(student):
    rng = submission_rng("fine-tuning/instruction-data:render")
    for index in range(4):
        messages = _conversation(rng, int(rng.integers(1, 4)), system=bool(index % 2))
        generation = bool(rng.integers(2))
        if generation:
            messages = messages[:-1]
        got = student.render_chat(messages, add_generation_prompt=generation)
        want = _render(messages, generation)
        assert got == want, (
            f"render_chat({messages!r}, add_generation_prompt={generation}) returned {got!r:.600}, expected "
            f"{expected(want)}: the default system message only when the first message is not a system message; "
            "each content trimmed; '<|role|>\\n' + content + '<|end|>\\n' per message"
        )


@points(1)
def test_render_chat_rejects_bad_conversations(student):
    rng = submission_rng("fine-tuning/instruction-data:roles")
    good = _conversation(rng, 2, system=False)
    cases = [
        ("two user messages in a row", [good[0], dict(good[0])] + good[1:]),
        ("an assistant message first", good[1:]),
        ("a system message after the first", good[:2] + [{"role": "system", "content": "Be brief."}] + good[2:]),
        ("an unknown role", good[:2] + [{"role": "tool", "content": "42"}]),
        ("no messages", []),
    ]
    for what, messages in [cases[int(i)] for i in rng.permutation(len(cases))]:
        try:
            got = student.render_chat(messages)
        except StudentError as error:
            assert error.type_name == "ValueError", (
                f"render_chat({messages!r:.300}) ({what}) raised {error.type_name}, expected ValueError"
            )
        else:
            raise AssertionError(f"render_chat({messages!r:.300}) returned {got!r:.100}, but the conversation has "
                                 f"{what}: raise ValueError (the template's raise_exception)")


@points(2)
def test_labels_train_only_on_assistant_tokens(student):
    rng = submission_rng("fine-tuning/instruction-data:labels")
    for index in range(3):
        messages = _conversation(rng, index + 1)
        call, got = _build(student, messages)
        problem = _labels_problem(messages, got)
        assert problem is None, f"{call} {problem}"


@points(1)
def test_labels_only_last_turn(student):
    rng = submission_rng("fine-tuning/instruction-data:last")
    messages = _conversation(rng, int(rng.integers(2, 4)))
    call, got = _build(student, messages, only_last=True)
    problem = _labels_problem(messages, got, only_last=True)
    assert problem is None, f"{call} {problem}"
    first_user = next(i for i, m in enumerate(messages) if m["role"] == "user")
    try:
        got = student.build_example(messages[: first_user + 1])
    except StudentError as error:
        assert error.type_name == "ValueError", f"build_example(<a conversation with no answer>) raised {error.type_name}"
    else:
        raise AssertionError("build_example(<a conversation that ends before any assistant message>) returned a "
                             "result; with nothing to train on it should raise ValueError")


@points(2)
def test_check_instruction_reasons(student):
    rng = submission_rng("fine-tuning/instruction-data:check")
    pool = _seeds(rng, 6)
    candidates = [(_bad(rng, pool, kind), kind) for kind in KINDS] + [(_fresh(rng, pool), "ok") for _ in range(2)]
    for text, want in [candidates[int(i)] for i in rng.permutation(len(candidates))]:
        got = student.check_instruction(text, pool)
        assert got == want, (
            f"check_instruction({text!r}, pool={pool!r:.500}) returned {got!r}, expected {expected(want)}; the checks "
            "run in the statement's order (length, format, blocked words, duplicate by normalised text, then "
            "bigram similarity >= threshold)"
        )


@points(2)
def test_self_instruct_with_the_model(student, llm):
    rng = submission_rng("fine-tuning/instruction-data:generate")
    seeds = _seeds(rng, 5)
    rounds, per_round, k = int(rng.integers(2, 4)), int(rng.integers(4, 6)), 3
    pool, accepted, rejected = list(seeds), [], []

    def respond(request):
        messages = request["messages"]
        assert len(messages) == 1 and messages[0].get("role") == "user", (
            f"the generation request had the roles {[m.get('role') for m in messages]}: send one user message"
        )
        prompt = str(messages[0].get("content"))
        shown = [line.split(". ", 1)[1] for line in prompt.splitlines() if re.match(r"\d+\. ", line)]
        assert shown == pool[-k:], (
            f"the generation prompt listed the examples {shown!r:.500}: show the last k={k} instructions of the pool "
            "(the seeds, then each instruction accepted so far, in order), numbered from 1; rejected ones never join it"
        )
        asks = f"Write {per_round} new tasks" in prompt
        assert asks, f"the prompt {prompt!r:.300} does not ask for per_round={per_round} new tasks"
        fresh = [_fresh(rng, pool)]
        fresh.append(fresh[0].upper() + "!")                     # a duplicate of one just generated
        candidates = fresh + [_bad(rng, pool, KINDS[int(i)]) for i in rng.choice(len(KINDS), size=per_round - 2)]
        candidates = [candidates[0]] + [candidates[int(i) + 1] for i in rng.permutation(len(candidates) - 1)]
        lines = [f"Sure! Here are {per_round} new tasks:"]
        for number, text in enumerate(candidates, k + 1):
            lines.append(f"{number}{'.' if rng.integers(2) else ')'} {text}")
        for text in candidates:
            reason = _reason(text, pool)
            if reason == "ok":
                pool.append(text)
                accepted.append(text)
            else:
                rejected.append({"instruction": text, "reason": reason})
        return "\n".join(lines + ["I hope these help."])

    llm.respond(respond)
    call = f"self_instruct({seeds!r:.300}, rounds={rounds}, per_round={per_round}, k={k})"
    try:
        got = student.self_instruct(seeds, rounds=rounds, per_round=per_round, k=k)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert llm.calls == rounds, f"{call} made {llm.calls} model calls; one per round is {rounds}"
    assert isinstance(got, dict) and got.get("instructions") == accepted, (
        f"{call} returned instructions {got.get('instructions') if isinstance(got, dict) else got!r:.600}; expected "
        "each numbered line of the replies that passes check_instruction against the pool at that moment, in order"
    )
    assert got.get("rejected") == rejected, (
        f"{call} returned rejected {got.get('rejected')!r:.600}: expected one {{'instruction', 'reason'}} per "
        "numbered line that failed, with check_instruction's reason, in order"
    )


def _groups(texts):
    parent = list(range(len(texts)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if normalise(texts[i]) == normalise(texts[j]) or similarity(texts[i], texts[j]) >= 0.5:
                parent[find(j)] = find(i)
    sizes = {}
    for i in range(len(texts)):
        sizes[find(i)] = sizes.get(find(i), 0) + 1
    return sizes


def _is_subsequence(part, whole):
    it = iter(whole)
    return all(any(x == y for y in it) for x in part)


@points(1.5)
def test_split_keeps_near_duplicates_together(student):
    rng = submission_rng("fine-tuning/instruction-data:split")
    for _ in range(3):
        bases = _seeds(rng, 12)
        data = []
        for base in bases:
            data.append(base)
            for _ in range(int(rng.choice([0, 0, 1, 2, 3]))):
                data.append(base.upper() if rng.integers(3) == 0 else
                            base + [" please", " for me", " today", " in simple words"][int(rng.integers(4))])
        data = [data[int(i)] for i in rng.permutation(len(data))]
        fraction = float(rng.choice([0.2, 0.25, 0.3]))
        target = math.ceil(fraction * len(data))
        largest = max(_groups(data).values())
        for seed in range(5):
            call = f"split_train_eval(<{len(data)} instructions>, eval_fraction={fraction}, seed={seed})"
            got = student.split_train_eval(data, eval_fraction=fraction, seed=seed)
            assert isinstance(got, tuple | list) and len(got) == 2, f"{call} returned {got!r:.200}; expected (train, eval)"
            train, held = list(got[0]), list(got[1])
            assert sorted(train + held) == sorted(data), f"{call}: train and eval together are not exactly the input"
            assert _is_subsequence(train, data) and _is_subsequence(held, data), (
                f"{call}: train and eval should each keep the input's order"
            )
            leaks = [(a, b) for a in held for b in train if normalise(a) == normalise(b) or similarity(a, b) >= 0.5]
            assert not leaks, (
                f"{call} put near-duplicates on both sides, e.g. eval {leaks[0][0]!r} and train {leaks[0][1]!r} "
                f"({len(leaks)} such pairs): the eval set is contaminated; group near-duplicates first and move whole groups"
            )
            assert target <= len(held) < target + largest, (
                f"{call} gave eval {len(held)} of {len(data)} instructions: add whole groups until eval holds at "
                f"least ceil(eval_fraction * n) = {target}, and stop there"
            )
            again = student.split_train_eval(data, eval_fraction=fraction, seed=seed)
            assert [list(again[0]), list(again[1])] == [train, held], f"{call} gave another split when called again"
