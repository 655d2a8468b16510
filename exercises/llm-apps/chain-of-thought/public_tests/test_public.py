"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples, and run self_consistency against a fake client that answers from a
list. The hidden grader uses other problems and a scripted model that checks every prompt it receives.
"""

import json
import os
import sys
from types import SimpleNamespace as NS

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402
from solution import SYSTEM_PROMPT, build_messages, majority_vote, parse_final_answer, select_examples  # noqa: E402

POOL = [
    {"question": "Tom has 3 bags with 4 apples each. How many apples does he have?",
     "reasoning": "3 bags of 4 apples is 3 * 4 = 12 apples.", "answer": "12"},
    {"question": "A train travels 60 km per hour for 2 hours. How far does it go?",
     "reasoning": "Distance is speed times time: 60 * 2 = 120 km.", "answer": "120"},
    {"question": "Ana has 5 apples and eats 2. How many apples are left?",
     "reasoning": "5 - 2 = 3 apples are left.", "answer": "3"},
]
QUESTION = "Ben has 4 bags with 6 apples each. How many apples does he have?"


def test_select_examples_most_similar_last():
    got = select_examples(POOL, QUESTION, 2)
    assert [e["answer"] for e in got] == ["3", "12"], (
        f"select_examples(POOL, QUESTION, 2) chose the examples with answers {[e['answer'] for e in got]}, "
        "expected Ana's (overlap 4) then Tom's (overlap 11)"
    )
    assert [e["answer"] for e in select_examples(POOL, QUESTION, 5)] == ["120", "3", "12"]
    assert select_examples(POOL, QUESTION, 0) == []


def test_build_messages_example():
    got = build_messages(select_examples(POOL, QUESTION, 2), QUESTION)
    want = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "Question: Ana has 5 apples and eats 2. How many apples are left?"},
        {"role": "assistant", "content": "5 - 2 = 3 apples are left.\nFinal answer: 3"},
        {"role": "user", "content": "Question: Tom has 3 bags with 4 apples each. How many apples does he have?"},
        {"role": "assistant", "content": "3 bags of 4 apples is 3 * 4 = 12 apples.\nFinal answer: 12"},
        {"role": "user", "content": f"Question: {QUESTION}"},
    ]
    assert got == want, f"build_messages returned {got!r}"


@pytest.mark.parametrize("text, want", [
    ("3 bags of 6 is 18... wait, 4 bags of 6 apples is 4 * 6 = 24.\nFinal answer: 24", "24"),
    ("**Final Answer:** 1,250.50 dollars", "1250.5"),
    ("Final answer: 7.0", "7"),
    ("It drops 5 degrees.\nfinal answer: -3", "-3"),
    ("The answer is 12.", None),
    (None, None),
])
def test_parse_final_answer(text, want):
    got = parse_final_answer(text)
    assert got == want, f"parse_final_answer({text!r}) returned {got!r}, expected {want!r}"


def test_majority_vote():
    assert majority_vote(["24", None, "18", "24", "18"]) == "24", "a tie goes to the tied answer that came first"
    assert majority_vote(["18", "24", "24"]) == "24"
    assert majority_vote([None, None]) is None


class FakeClient:
    """Answers with the given replies, one per call, with usage counted roughly."""

    def __init__(self, replies):
        self.replies, self.requests = list(replies), []
        self.chat = NS(completions=NS(create=self.create))

    def create(self, **kwargs):
        self.requests.append(json.loads(json.dumps(kwargs)))
        text = self.replies.pop(0)
        prompt = sum(len(m["content"].split()) for m in kwargs["messages"])
        usage = NS(prompt_tokens=prompt, completion_tokens=len(text.split()), total_tokens=prompt + len(text.split()))
        return NS(choices=[NS(message=NS(content=text, role="assistant"), finish_reason="stop")], usage=usage)


def test_self_consistency_stops_at_a_majority(monkeypatch):
    replies = ["4 * 6 = 24.\nFinal answer: 24", "4 + 6 = 10, plus 8 is 18.\nFinal answer: 18",
               "Each bag has 6, so 24.\nFinal answer: 24", "6 * 4 = 24\nFinal answer: 24", "unused"]
    client = FakeClient(replies)
    monkeypatch.setattr(solution.openai, "OpenAI", lambda *a, **k: client)
    got = solution.self_consistency(QUESTION, POOL, k=2, n=5, temperature=0.7)
    assert got["answers"] == ["24", "18", "24", "24"] and got["answer"] == "24", f"got {got!r}"
    assert got["calls"] == 4 and got["stopped"] == "majority", f"got {got!r}"
    assert len(client.requests) == 4
    request = client.requests[0]
    assert request["model"] == "gradient-scripted" and request["temperature"] == 0.7 and request["max_tokens"] == 200
    assert request["messages"] == build_messages(select_examples(POOL, QUESTION, 2), QUESTION)
    prompt = sum(len(m["content"].split()) for m in request["messages"])
    assert got["prompt_tokens"] == 4 * prompt and got["total_tokens"] == got["prompt_tokens"] + got["completion_tokens"]


def test_self_consistency_rejects_zero_temperature(monkeypatch):
    monkeypatch.setattr(solution.openai, "OpenAI", lambda *a, **k: FakeClient([]))
    with pytest.raises(ValueError):
        solution.self_consistency(QUESTION, POOL, temperature=0)
