"""Made-up sandbox outcomes: what a worker would report for a run, without running anything."""

from __future__ import annotations

from collections.abc import Iterable

from grading.models import GradingRun
from sandbox import Outcome, TestOutcome


def fake_outcome(
    run: GradingRun,
    *,
    status: str = "graded",
    failing: Iterable[str] = (),
    messages: dict[str, str] | None = None,
    metrics: dict[str, dict[str, float]] | None = None,
) -> Outcome:
    """An outcome for every test the run's grader version declares: full points, except the ``failing``
    ones (zero, with a message: ``messages[name]`` or a default)."""
    declared = run.exercise_version.declared_tests
    failing = set(failing)
    tests = tuple(
        TestOutcome(
            name,
            "failed" if name in failing else "passed",  # type: ignore[arg-type]
            0.0 if name in failing else float(points),
            float(points),
            (messages or {}).get(name, "expected something else" if name in failing else ""),
        )
        for name, points in declared.items()
    )
    return Outcome(
        status=status,  # type: ignore[arg-type]
        score=sum(t.points for t in tests),
        max_score=float(sum(declared.values())),
        tests=tests,
        duration_s=0.2,
        metrics=metrics or {},
    )
