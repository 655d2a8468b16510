"""What one person may see of a run's results, for the page and the API alike: tests grouped under their
questions, with the assignment's feedback level and the grader's hidden tests applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from courses.models import FeedbackLevel
from grading.models import GradingRun, TestResult

HIDDEN_NAME = "hidden test"


@dataclass
class TestRow:
    __test__ = False  # not a pytest test class

    name: str
    outcome: str
    points: Decimal
    max_points: Decimal
    message: str
    question: str
    hidden: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "points": float(self.points),
            "max_points": float(self.max_points),
            "message": self.message,
            "question": self.question,
            "hidden": self.hidden,
        }


@dataclass
class QuestionRow:
    name: str
    title: str
    score: Decimal
    max_score: Decimal
    passed: int
    tests: list[TestRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "score": float(self.score),
            "max_score": float(self.max_score),
            "passed": self.passed,
            "tests": len(self.tests),
        }


@dataclass
class Feedback:
    questions: list[QuestionRow]  # in the grader's order, each with its tests
    tests: list[TestRow]  # every test in the grader's order (those of questions included)

    @property
    def alone(self) -> list[TestRow]:
        """The tests that belong to no question."""
        return [t for t in self.tests if not t.question]


def run_feedback(run: GradingRun | None, *, level: FeedbackLevel, hidden_shown: bool) -> Feedback:
    """The results of a final run as `level` and the hidden-test rule allow: nothing at TOTAL; outcomes and
    points without messages at SCORES; a hidden test's name and message only where `hidden_shown`."""
    if run is None or not run.is_final or level == FeedbackLevel.TOTAL:
        return Feedback([], [])
    rows = [_row(r, index, level=level, hidden_shown=hidden_shown) for index, r in enumerate(run.results.all(), 1)]
    questions = []
    for stored in run.questions or []:
        name = str(stored.get("name", ""))
        questions.append(
            QuestionRow(
                name=name,
                title=str(stored.get("title", "")),
                score=Decimal(str(stored.get("score", "0"))),
                max_score=Decimal(str(stored.get("max_score", "0"))),
                passed=int(stored.get("passed", 0)),
                tests=[row for row in rows if row.question == name],
            )
        )
    return Feedback(questions, rows)


def _row(result: TestResult, index: int, *, level: FeedbackLevel, hidden_shown: bool) -> TestRow:
    secret = result.hidden and not hidden_shown
    return TestRow(
        name=f"{HIDDEN_NAME} {index}" if secret else result.name,
        outcome=result.outcome,
        points=result.points,
        max_points=result.max_points,
        message="" if secret or level != FeedbackLevel.FULL else result.message,
        question=result.question,
        hidden=result.hidden,
    )
