"""Every exercise: the reference gets full marks; the starter and each known-wrong solution get less."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from catalog.definitions import ExerciseDefinition, discover
from grading.jobs import build_job, load_for_exercise, read_submission_path
from sandbox import Outcome, run_job

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = discover(ROOT / "exercises", ROOT / "graders")
DEFAULT_LIMITS = {"wall_s": 60, "memory_mb": 512, "call_timeout_s": 5}

pytestmark = pytest.mark.docker


def grade(definition: ExerciseDefinition, path: Path) -> Outcome:
    loaded = load_for_exercise(definition, read_submission_path(path))
    job = build_job(definition, loaded, run_name=f"t-{uuid.uuid4().hex[:10]}", default_limits=DEFAULT_LIMITS)
    return run_job(job)


def cases() -> list[tuple[ExerciseDefinition, str, Path]]:
    found = []
    for definition in DEFINITIONS:
        found.append((definition, "reference", definition.grader_dir / "reference"))
        found.append((definition, "starter", definition.exercise_dir / "starter"))
        for wrong in sorted((definition.grader_dir / "wrong").iterdir()):
            found.append((definition, f"wrong/{wrong.name}", wrong))
    return found


@pytest.mark.parametrize(("definition", "kind", "path"), cases(), ids=lambda v: getattr(v, "slug", str(v)))
def test_exercise_grades_honestly(definition: ExerciseDefinition, kind: str, path: Path) -> None:
    outcome = grade(definition, path)
    assert outcome.max_score == definition.points, "exercise.toml points must equal the tests' points"
    if kind == "reference":
        failing = [(t.name, t.message) for t in outcome.tests if t.outcome != "passed"]
        assert outcome.status == "graded" and outcome.score == outcome.max_score, failing
    else:
        assert outcome.score < outcome.max_score, f"{kind} of {definition.slug} got full marks"


def test_every_exercise_has_two_known_wrong_solutions() -> None:
    assert DEFINITIONS
    for definition in DEFINITIONS:
        wrong = [p for p in (definition.grader_dir / "wrong").iterdir() if p.is_dir()]
        assert len(wrong) >= 2, definition.slug
