"""check_exercises and per-submission draws: an author's check grades every known-wrong solution under each
draw the reference met, so a wrong rule that happens to agree with the right one on some draw is caught
before students meet it (CI once found one the single-draw check let through). The grading is faked here:
this is about which draws are asked for, not about the sandbox."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from catalog import checks
from catalog.definitions import resolve
from core.points import format_points
from sandbox import Outcome, RunStatus

ROOT = Path(__file__).resolve().parents[3]
SLUG = "classical-ml/hyperparameter-search"  # its grader draws per submission


def fake_grading(monkeypatch: pytest.MonkeyPatch, full_marks_for: set[tuple[str, int]]) -> list[tuple[str, int]]:
    graded: list[tuple[str, int]] = []

    def grade(definition, path, defaults, *, draw=0):  # type: ignore[no-untyped-def]
        name = path.name  # "reference", "starter" or the wrong solution's folder
        graded.append((name, draw))
        full = name == "reference" or (name, draw) in full_marks_for
        total = definition.declared_tests.max_score
        return Outcome(status=RunStatus.GRADED, score=total if full else Decimal(1), max_score=total, tests=(),
                       duration_s=0.0)

    monkeypatch.setattr(checks, "_grade", grade)
    monkeypatch.setattr(checks, "public_tests_pass_on_reference", lambda definition: [])
    return graded


def definition():  # type: ignore[no-untyped-def]
    return resolve(SLUG, ROOT / "exercises", ROOT / "graders")


def test_an_authors_check_grades_each_wrong_solution_under_every_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    graded = fake_grading(monkeypatch, full_marks_for={("not-nested", 2)})
    check = checks.check_exercise(definition(), defaults={}, runs=3)
    draws = sorted({draw for name, draw in graded if name == "reference"})
    assert draws == [0, 1, 2]
    assert sorted(draw for name, draw in graded if name == "no-refit") == draws
    assert "wrong/not-nested gets full marks (seed draw 2)" in check.problems
    assert not check.ok


def test_the_suites_quick_check_grades_wrong_solutions_once(monkeypatch: pytest.MonkeyPatch) -> None:
    graded = fake_grading(monkeypatch, full_marks_for={("not-nested", 2)})
    check = checks.check_exercise(definition(), defaults={}, runs=1)
    assert sorted(draw for name, draw in graded if name == "no-refit") == [0]
    assert check.ok, check.problems


def test_the_table_writes_points_as_a_person_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fractional exercise's maximum is a Decimal with places ("10.00"): the table says 10/10, not 10/10.00."""
    assert [format_points(v) for v in (Decimal("10.00"), Decimal("8.75"), Decimal("0.3333"), 7.0, 0)] == [
        "10", "8.75", "0.3333", "7", "0"
    ]
    fake_grading(monkeypatch, full_marks_for=set())
    check = checks.check_exercise(definition(), defaults={}, runs=1)
    total = format_points(definition().declared_tests.max_score)
    assert check.reference == f"{total}/{total}" and "." not in check.reference
    assert check.starter == "1" and all(": 1 (caught by" in line for line in check.wrong)
