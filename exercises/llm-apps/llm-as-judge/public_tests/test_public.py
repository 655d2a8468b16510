"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples, and judge_pair against a fake client. The hidden grader uses a scripted
judge with a position bias on items drawn for each submission.
"""

import math
import os
import sys
from types import SimpleNamespace as NS

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402


def test_judge_prompt_follows_the_statement():
    messages = solution.build_judge_prompt("2 + 2?", "4", "5", "Correctness.")
    assert messages[0] == {"role": "system", "content": solution.JUDGE_SYSTEM}
    assert messages[1] == {"role": "user", "content": (
        "Criteria: Correctness.\n\nQuestion: 2 + 2?\n\n[Answer A]\n4\n\n[Answer B]\n5\n\n"
        "Which answer is better? Reply with A, B or tie.")}


@pytest.mark.parametrize("reply, want", [
    ("A is long.\nVerdict: B", "B"),
    ("Verdict: **A**", "A"),
    ("It's a TIE.", "tie"),
    ("A", "A"),
])
def test_parse_statement_examples(reply, want):
    assert solution.parse_verdict(reply) == want


def test_parse_nothing_raises():
    with pytest.raises(ValueError):
        solution.parse_verdict("I cannot decide.")


class FakeJudge:
    """Always prefers the answer '4' wherever it sits."""

    def __init__(self):
        self.requests = []
        self.chat = NS(completions=NS(create=self.create))

    def create(self, **kwargs):
        self.requests.append(kwargs)
        text = kwargs["messages"][-1]["content"]
        verdict = "A" if "[Answer A]\n4\n" in text else "B"
        return NS(choices=[NS(message=NS(content=f"Verdict: {verdict}"))])


def test_judge_pair_maps_the_swapped_verdict_back(monkeypatch):
    judge = FakeJudge()
    monkeypatch.setattr(solution.openai, "OpenAI", lambda *a, **k: judge)
    assert solution.judge_pair("2 + 2?", "5", "4", "Correctness.") == "B"
    assert len(judge.requests) == 2


def test_verbosity_example():
    records = [{"answer_a": "a b c", "answer_b": "a", "verdict": "A"},
               {"answer_a": "a", "answer_b": "a b", "verdict": "A"},
               {"answer_a": "a", "answer_b": "a b", "verdict": "tie"},
               {"answer_a": "a b", "answer_b": "c d", "verdict": "B"}]
    got = solution.verbosity_bias(records, threshold=0.4)
    assert got["longer_win_rate"] == 0.5 and got["biased"] is True


def test_agreement_statement_example():
    got = solution.agreement(["A", "A", "B", "tie"], ["A", "B", "B", "tie"])
    assert math.isclose(got["accuracy"], 0.75) and math.isclose(got["kappa"], 0.4375 / 0.6875)
