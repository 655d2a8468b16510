"""Hidden grader for llm-apps/llm-as-judge.

The scripted judge reads which answer sits in slot A and slot B from the README's prompt layout. On the items
drawn per submission (`submission_rng`), some get a judge with a position bias (it always says A): judging both
orders must turn those into ties, while consistent judgements keep their winner.
"""

import re

import pytest

from gradient_grader import StudentError, assert_close, expected, points, shows_expected, submission_rng

LLM = {"budget_tokens": 8000, "budget_calls": 12, "tokens": "words", "model": "gradient-scripted"}

SLOTS = re.compile(r"\[Answer A\]\n(.*?)\n\n\[Answer B\]\n(.*?)\n\nWhich answer is better\?", re.DOTALL)
CRITERIA = "Correctness first, then clarity."
POOL = [
    ("What is the boiling point of water at sea level?", "100 degrees Celsius.", "About 50 degrees Celsius."),
    ("Who wrote Hamlet?", "William Shakespeare.", "Charles Dickens."),
    ("What is 12 times 12?", "144.", "124."),
    ("What gas do plants absorb for photosynthesis?", "Carbon dioxide.", "Oxygen."),
    ("What is the capital of Australia?", "Canberra.", "Sydney."),
    ("How many sides has a hexagon?", "Six.", "Eight."),
    ("Which planet is closest to the Sun?", "Mercury.", "Venus."),
    ("What is the chemical symbol of gold?", "Au.", "Ag."),
    ("In which year did the Berlin Wall fall?", "1989.", "1991."),
    ("What is the square root of 81?", "9.", "8."),
]
REPLIES = ["Verdict: {v}", "After comparing both answers carefully, one is better.\nVerdict: {v}",
           "**Verdict: {v}**", "The criteria favour one answer.\n\nVerdict: {v}"]


def _slots(request):
    text = str(request["messages"][-1].get("content"))
    match = SLOTS.search(text)
    assert match, (
        "the judge's user message does not follow the README's layout ('[Answer A]' line, the answer, a blank line, "
        f"'[Answer B]' line, the answer, a blank line, 'Which answer is better?...'); it was {text[:300]!r}"
    )
    return match.group(1), match.group(2)


def _consistent_judge(good_answers, reply="Verdict: {v}"):
    def respond(request):
        a, b = _slots(request)
        return reply.format(v="A" if a in good_answers else "B" if b in good_answers else "tie")
    return respond


def test_prompt_layout(student):
    messages = student.build_judge_prompt("Why is the sky blue?", "Rayleigh scattering.", "Because.", CRITERIA)
    assert isinstance(messages, list) and len(messages) == 2, f"build_judge_prompt returned {messages!r:.300}"
    assert messages[0].get("role") == "system" and messages[0].get("content") == student.JUDGE_SYSTEM, (
        f"the first message should be the system prompt JUDGE_SYSTEM, got {messages[0]!r:.200}"
    )
    user = messages[1].get("content")
    want = (f"Criteria: {CRITERIA}\n\nQuestion: Why is the sky blue?\n\n[Answer A]\nRayleigh scattering.\n\n"
            "[Answer B]\nBecause.\n\nWhich answer is better? Reply with A, B or tie.")
    assert messages[1].get("role") == "user" and user == want, (
        f"the user message was {user!r}: it should follow the README's layout exactly"
    )


@shows_expected
@points(0.5)
@pytest.mark.parametrize("reply, want", [
    ("Answer A is more complete, but B is correct.\nVerdict: B", "B"),
    ("Both are fine. verdict: TIE", "tie"),
    ("B is better: it cites a source, A does not.", "B"),
    ("I would call it a tie; neither answers the question.", "tie"),
], ids=["verdict-line-wins", "case-insensitive", "first-label", "tie-word"])
def test_parse_verdict(student, reply, want):
    got = student.parse_verdict(reply)
    assert got == want, f"parse_verdict({reply!r}) returned {got!r}, expected {expected(want)}"


@points(1.5)
def test_judges_both_orders(student, llm):
    rng = submission_rng("llm-apps/llm-as-judge:orders")
    question, good, bad = POOL[int(rng.integers(len(POOL)))]
    good_first = bool(rng.integers(2))
    a, b = (good, bad) if good_first else (bad, good)
    llm.budget(tokens=1500, calls=2)
    llm.respond(_consistent_judge({good}, str(rng.choice(REPLIES))))
    got = student.judge_pair(question, a, b, CRITERIA)
    assert llm.calls == 2, f"judge_pair made {llm.calls} model call(s): it should ask the judge twice, once per order"
    orders = [_slots(r) for r in llm.requests]
    assert orders == [(a, b), (b, a)], (
        f"judge_pair({question!r}, {a!r}, {b!r}) showed the judge the pairs {orders}: first in the given order, "
        "then swapped"
    )
    want = "A" if good_first else "B"
    assert got == want, (
        f"judge_pair({question!r}, {a!r}, {b!r}) returned {got!r}, expected {expected(want)}: the judge preferred "
        "the same answer in both orders; remember that in the swapped call its 'A' means your answer_b"
    )


@points(2)
def test_position_bias_becomes_a_tie(student, llm):
    rng = submission_rng("llm-apps/llm-as-judge:bias")
    picks = rng.choice(len(POOL), size=6, replace=False)
    biased = set(int(i) for i in rng.choice(picks, size=3, replace=False))
    items, goods, biased_questions = [], set(), set()
    for index in picks:
        question, good, bad = POOL[int(index)]
        good_first = bool(rng.integers(2))
        items.append((question, *((good, bad) if good_first else (bad, good)), good_first, int(index) in biased))
        goods.add(good)
        if int(index) in biased:
            biased_questions.add(question)
    reply = str(rng.choice(REPLIES))

    def respond(request):
        a, b = _slots(request)
        if any(q in str(request["messages"][-1].get("content")) for q in biased_questions):
            return reply.format(v="A")  # this judge prefers whatever it reads first
        return reply.format(v="A" if a in goods else "B")

    llm.respond(respond)
    for question, a, b, good_first, is_biased in items:
        got = student.judge_pair(question, a, b, CRITERIA)
        want = "tie" if is_biased else ("A" if good_first else "B")
        assert got == want, (
            f"judge_pair({question!r}, {a!r}, {b!r}) returned {got!r}, expected {expected(want)}: a verdict that "
            "flips when the answers swap places is position bias and must become 'tie'; one that holds in both "
            "orders is kept"
        )


def _sentence(rng, n):
    return " ".join(str(w) for w in rng.choice(["the", "answer", "is", "clear", "and", "long", "very", "so"], size=n))


@points(1.5)
def test_verbosity_bias(student):
    rng = submission_rng("llm-apps/llm-as-judge:verbosity")
    records, longer, decisive = [], 0, 0
    for _ in range(40):
        len_a, len_b = (int(x) for x in rng.integers(1, 12, size=2))
        verdict = str(rng.choice(["A", "B", "tie"], p=[0.4, 0.4, 0.2]))
        records.append({"answer_a": _sentence(rng, len_a), "answer_b": _sentence(rng, len_b), "verdict": verdict})
        if verdict != "tie" and len_a != len_b:
            decisive += 1
            longer += (verdict == "A") == (len_a > len_b)
    rate = longer / decisive
    threshold = round(rate + float(rng.choice([-0.05, 0.05])), 4)
    got = student.verbosity_bias(records, threshold)
    assert isinstance(got, dict) and {"longer_win_rate", "biased"} <= set(got), f"verbosity_bias returned {got!r:.200}"
    assert_close(got["longer_win_rate"], rate, atol=1e-9,
                 what=f"verbosity_bias(40 records, threshold={threshold})['longer_win_rate'] (ties and equal lengths "
                      "are skipped; lengths are in words)")
    want = rate > threshold
    assert got["biased"] == want, f"verbosity_bias(..., threshold={threshold})['biased'] was {got['biased']!r}"


@shows_expected
@points(0.5)
def test_agreement_worked_example(student):
    got = student.agreement(["A", "A", "B", "tie"], ["A", "B", "B", "tie"])
    assert_close(got["accuracy"], 0.75, atol=1e-9, what="agreement(['A','A','B','tie'], ['A','B','B','tie'])['accuracy']")
    assert_close(got["kappa"], 0.6363636363636364, atol=1e-9,
                 what="agreement(['A','A','B','tie'], ['A','B','B','tie'])['kappa']")
    try:
        student.agreement(["A"], ["A", "B"])
    except StudentError as error:
        assert error.type_name == "ValueError", f"agreement(['A'], ['A', 'B']) raised {error.type_name}"
    else:
        raise AssertionError("agreement(['A'], ['A', 'B']) should raise ValueError (lengths differ)")


@points(1.5)
def test_agreement_kappa(student):
    rng = submission_rng("llm-apps/llm-as-judge:kappa")
    n = int(rng.integers(30, 60))
    human = [str(x) for x in rng.choice(["A", "B", "tie"], size=n, p=[0.45, 0.4, 0.15])]
    judge = [h if rng.random() < 0.7 else str(rng.choice(["A", "B", "tie"])) for h in human]
    observed = sum(j == h for j, h in zip(judge, human)) / n
    chance = sum(judge.count(k) / n * human.count(k) / n for k in ("A", "B", "tie"))
    kappa = (observed - chance) / (1 - chance)
    got = student.agreement(judge, human)
    assert_close(got["accuracy"], observed, atol=1e-9, what=f"agreement(judge, human) on {n} labels: accuracy")
    assert_close(got["kappa"], kappa, atol=1e-9,
                 what=f"agreement(judge, human) on {n} labels: Cohen's kappa (observed agreement corrected by the "
                      "agreement expected by chance from each side's label frequencies)")
