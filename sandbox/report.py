"""Turns what the grader box sent into scored test outcomes, believing nothing it did not declare.

The worker, not the grader box, computes the score: every declared test appears exactly once; a test the
grader did not report (it crashed, a limit stopped the run) counts as failed; an undeclared name is ignored
and noted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.spec import TestOutcome, TestResultOutcome
from sandbox.text import clean_text

OUTCOMES = frozenset(TestResultOutcome)
MAX_MESSAGE = 2000
# name -> (outcome, cleaned message): what the grader reported for a declared test
Results = Mapping[str, tuple[TestResultOutcome, str]]


class ReportCollector:
    def __init__(self, declared: Mapping[str, int]) -> None:
        self.declared = declared
        self.results: dict[str, tuple[TestResultOutcome, str]] = {}
        self.problems: list[str] = []

    def add(self, message: dict[str, Any]) -> None:
        name, outcome, text = message.get("name"), message.get("outcome"), message.get("message", "")
        if type(name) is not str or name not in self.declared:
            self.problems.append(f"the grader reported an undeclared test {clean_text(str(name), 100, keep='start')!r}")
            return
        if name in self.results:
            self.problems.append(f"the grader reported {name} twice")
            return
        if type(outcome) is not str or outcome not in OUTCOMES or type(text) is not str:
            self.problems.append(f"malformed result for {name}")
            outcome, text = TestResultOutcome.ERROR, "the grader's report for this test was malformed"
        # The message may quote the student's output or exception: cleaned here, where it enters the worker.
        self.results[name] = (TestResultOutcome(outcome), clean_text(text, MAX_MESSAGE, keep="start"))

    @property
    def done(self) -> int:
        return len(self.results)

    def outcomes(self, missing_message: str) -> tuple[TestOutcome, ...]:
        return score_tests(self.declared, self.results, missing_message)


def score_tests(declared: Mapping[str, int], results: Results, missing_message: str) -> tuple[TestOutcome, ...]:
    """Every declared test once, in the grader's order: its reported outcome, or failed with
    ``missing_message``; full points for a pass, none otherwise."""
    scored = []
    for name, max_points in declared.items():
        outcome, text = results.get(name, (TestResultOutcome.FAILED, missing_message))
        points = float(max_points) if outcome == TestResultOutcome.PASSED else 0.0
        scored.append(TestOutcome(name, outcome, points, float(max_points), text))
    return tuple(scored)
