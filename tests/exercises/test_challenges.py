"""Leaderboard challenges cannot be gamed (issue 10, part 7), graded in the real sandbox.

Each challenge's hidden evaluation set is drawn from the deployment's grader secret, so the reference gets
full marks and a "lookup" (nearest neighbour against any data in the box or in this public repository)
scores below it, whatever the secret; and the hidden inputs are sent once, so a model that fails on purpose
to be asked again cannot replay what it saw."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.conf import settings

from catalog.definitions import ExerciseDefinition, discover, resolve
from catalog.jobs import build_job, load_for_exercise, read_submission_path
from sandbox import Outcome, run_job

ROOT = Path(__file__).resolve().parents[2]
CHALLENGES = ["classical-ml/digits-challenge", "classical-ml/regression-challenge", "transformers/char-language-model"]
SECRETS = ("a-first-deployment-secret", "a-second-deployment-secret")

pytestmark = pytest.mark.docker


def definition(slug: str) -> ExerciseDefinition:
    return resolve(slug, ROOT / "exercises", ROOT / "graders")


def grade(slug: str, solution: str, secret: str) -> Outcome:
    exercise = definition(slug)
    loaded = load_for_exercise(exercise, read_submission_path(exercise.grader_dir / solution), config=settings.SANDBOX)
    job = build_job(
        exercise, loaded, run_name=f"challenge-{uuid.uuid4().hex[:10]}",
        default_limits=settings.SANDBOX_DEFAULT_LIMITS, gpu_available=False, grader_secret=secret,
    )
    return run_job(job, config=settings.SANDBOX)


def failures(outcome: Outcome) -> dict[str, str]:
    return {t.name: t.message for t in outcome.tests if t.outcome != "passed"}


def test_every_challenge_has_a_lookup_solution() -> None:
    leaderboards = [d.slug for d in discover(ROOT / "exercises", ROOT / "graders") if d.leaderboard_metric]
    assert sorted(leaderboards) == sorted(CHALLENGES)
    for slug in CHALLENGES:
        grader_dir = definition(slug).grader_dir
        assert (grader_dir / "wrong" / "lookup" / "solution.py").is_file(), slug
        source = "\n".join(p.read_text() for p in grader_dir.glob("test_*.py"))
        assert "hidden_seed(" in source and "send_hidden_once(" in source, f"{slug}: hidden data not secret-seeded"


@pytest.mark.parametrize("slug", CHALLENGES)
def test_a_lookup_ranks_below_the_reference_whatever_the_secret(slug: str) -> None:
    exercise = definition(slug)
    metric, direction = exercise.leaderboard_metric, exercise.leaderboard_direction
    better = (lambda a, b: a > b) if direction == "max" else (lambda a, b: a < b)
    reference_metrics = []
    for secret in SECRETS:
        reference = grade(slug, "reference", secret)
        assert reference.status == "graded" and reference.score == reference.max_score, failures(reference)
        lookup = grade(slug, "wrong/lookup", secret)
        assert lookup.status == "graded" and lookup.score < lookup.max_score, (secret, lookup.score)
        for part in ("public", "private"):
            ours, theirs = reference.metrics[part][metric], lookup.metrics[part][metric]
            assert better(ours, theirs), f"{part} {metric}: the lookup's {theirs} vs the reference's {ours}"
        reference_metrics.append(reference.metrics)
    # The hidden set depends on the secret: the same reference measures differently in another deployment.
    assert reference_metrics[0] != reference_metrics[1]


def test_a_language_model_that_fails_on_purpose_cannot_replay_the_hidden_texts() -> None:
    slug = "transformers/char-language-model"
    replay = grade(slug, "wrong/replay", SECRETS[0])
    failed = failures(replay)
    assert replay.status == "graded" and replay.score == 0, failed
    assert "returned an array of shape (32, 32)" in failed["test_model_gives_valid_distributions"]
    for name in ("test_val_loss_below_3_2", "test_val_loss_below_0_65"):
        assert "the hidden texts are scored once per run" in failed[name], failed[name]
    assert replay.metrics == {}  # no val_loss at all: it cannot appear on, let alone top, either ranking
    # The same secret gives the same hidden texts: two runs of the reference measure exactly the same.
    first, second = grade(slug, "reference", SECRETS[0]), grade(slug, "reference", SECRETS[0])
    assert first.metrics == second.metrics and first.metrics["public"]["val_loss"] < 0.65
