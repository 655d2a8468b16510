"""Turns what the grader box sent into scored test outcomes, believing nothing it did not declare.

The worker, not the grader box, computes the score: every declared test appears exactly once; a test the
grader did not report (it crashed, a limit stopped the run) counts as failed; an undeclared name is ignored
and noted.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sandbox.manifest import POINTS_PLACES, DeclaredTest, Manifest
from sandbox.spec import QuestionOutcome, TestOutcome, TestResultOutcome
from sandbox.text import clean_text

OUTCOMES = frozenset(TestResultOutcome)
MAX_MESSAGE = 2000
# name -> (outcome, cleaned message): what the grader reported for a declared test
Results = Mapping[str, tuple[TestResultOutcome, str]]


class ReportCollector:
    def __init__(self, declared: Manifest) -> None:
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


def score_tests(
    declared: Manifest, results: Results, missing_message: str
) -> tuple[tuple[TestOutcome, ...], tuple[QuestionOutcome, ...]]:
    """Every declared test once, in the grader's order (its reported outcome, or failed with
    ``missing_message``), and every question's subtotal.

    A test alone scores its points when it passes. A question scores the points of its passed tests; with a
    total of its own, their share of that total (``total * passed points / all its points``, each test's
    points its weight, all weighing the same when all are 0); all-or-nothing, its total or 0. Subtotals are
    rounded half-up to four decimal places, never above the question's maximum."""
    tests = []
    for spec in declared.tests:
        outcome, text = results.get(spec.name, (TestResultOutcome.FAILED, missing_message))
        max_points = _share(declared, spec)
        got = max_points if outcome == TestResultOutcome.PASSED else Decimal(0)
        tests.append(TestOutcome(spec.name, outcome, got, max_points, text, question=spec.question, hidden=spec.hidden))
    passed = {t.name for t in tests if t.outcome == TestResultOutcome.PASSED}
    questions = []
    for question in declared.questions:
        members = declared.tests_of(question.name)
        maximum = declared.question_max(question)
        won = [t for t in members if t.name in passed]
        if question.all_or_nothing:
            subtotal: Decimal | Fraction = maximum if len(won) == len(members) else Decimal(0)
        elif question.points is None:
            subtotal = sum((t.points for t in won), Decimal(0))
        else:
            weights = _weights(members)
            subtotal = Fraction(maximum) * sum((weights[t.name] for t in won), Fraction(0)) / sum(weights.values())
        questions.append(
            QuestionOutcome(question.name, question.title, _round(subtotal), maximum, len(won), len(members))
        )
    return tuple(tests), tuple(questions)


def total_score(tests: tuple[TestOutcome, ...], questions: tuple[QuestionOutcome, ...]) -> Decimal:
    """The run's score: its questions' subtotals and the points of the tests that stand alone."""
    alone = sum((t.points for t in tests if not t.question), Decimal(0))
    return alone + sum((q.score for q in questions), Decimal(0))


def _weights(members: tuple[DeclaredTest, ...]) -> dict[str, Fraction]:
    if all(t.points == 0 for t in members):
        return {t.name: Fraction(1) for t in members}
    return {t.name: Fraction(t.points) for t in members}


def _share(declared: Manifest, spec: DeclaredTest) -> Decimal:
    """What one test is worth: its points, or its share of its question's own total."""
    if not spec.question:
        return spec.points
    question = next(q for q in declared.questions if q.name == spec.question)
    if question.points is None:
        return spec.points
    weights = _weights(declared.tests_of(question.name))
    return _round(Fraction(question.points) * weights[spec.name] / sum(weights.values()))


def _round(amount: Decimal | Fraction) -> Decimal:
    exact = Fraction(amount)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(POINTS_PLACES, rounding=ROUND_HALF_UP)
