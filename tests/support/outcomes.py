"""Made-up sandbox outcomes: what a worker would report for a run, without running anything."""

from __future__ import annotations

from collections.abc import Iterable

from grading.models import GradingRun
from sandbox import Outcome, TestResultOutcome, score_tests, total_score


def fake_outcome(
    run: GradingRun,
    *,
    status: str = "graded",
    failing: Iterable[str] = (),
    messages: dict[str, str] | None = None,
    metrics: dict[str, dict[str, float]] | None = None,
) -> Outcome:
    """An outcome for every test the run's grader version declares, scored as the worker scores one: full
    points, except the ``failing`` ones (zero, with a message: ``messages[name]`` or a default)."""
    declared = run.exercise_version.manifest
    failing = set(failing)
    results = {
        name: (
            TestResultOutcome.FAILED if name in failing else TestResultOutcome.PASSED,
            (messages or {}).get(name, "expected something else" if name in failing else ""),
        )
        for name in declared.names
    }
    tests, questions = score_tests(declared, results, "not reported")
    return Outcome(
        status=status,  # type: ignore[arg-type]
        score=total_score(tests, questions),
        max_score=declared.max_score,
        tests=tests,
        questions=questions,
        duration_s=0.2,
        metrics=metrics or {},
    )
