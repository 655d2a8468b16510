"""The roadmap's best-score rows, kept with each result, and the overall leaderboard they feed."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.models import Exercise
from grading import dispatch, intake, runs
from grading.models import ExerciseBest, GradingRun
from grading.selectors import roadmap_leaderboard
from sandbox.spec import Outcome, TestOutcome


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "send", lambda run, **_: None)


def graded(student, exercise, source: bytes, passed: int) -> None:  # type: ignore[no-untyped-def]
    submission = intake.submission_create(student=student, exercise=exercise, uploads={"solution.py": source})
    run = GradingRun.objects.get(submission=submission)
    declared = run.exercise_version.manifest
    tests = tuple(
        TestOutcome(t.name, "passed" if i < passed else "failed", t.points if i < passed else 0, t.points)
        for i, t in enumerate(declared.tests)
    )
    outcome = Outcome("graded", sum(t.points for t in tests), declared.max_score, tests, 0.1)
    assert runs.claim(run_id=run.pk, token="t")
    assert runs.complete(run_id=run.pk, token="t", outcome=outcome)


def test_best_rows_follow_results_and_rank_everyone(synced_exercise, student_user, other_student, reference_source):
    other_exercise = Exercise.objects.filter(active=True, files=["solution.py"]).exclude(pk=synced_exercise.pk).first()
    graded(student_user, synced_exercise, reference_source, passed=7)  # 10
    graded(student_user, synced_exercise, reference_source, passed=2)  # lower: the best stays
    graded(other_student, synced_exercise, reference_source, passed=7)  # 10, later
    graded(other_student, other_exercise, reference_source, passed=1)

    best = ExerciseBest.objects.get(student=student_user, exercise=synced_exercise)
    assert best.best_score == 10 and best.mastered
    rows = roadmap_leaderboard(viewer=student_user)
    assert [(r.rank, r.total, r.mastered, r.is_me) for r in rows] == [
        (1, 10 + ExerciseBest.objects.get(student=other_student, exercise=other_exercise).best_score, 1, False),
        (2, 10, 1, True),
    ]
    assert rows[0].name == f"Learner {other_student.pk}"  # no pseudonym chosen: anonymous

    web = Client()
    web.force_login(student_user)
    page = web.get("/leaderboard/").content.decode()
    assert "Roadmap leaderboard" in page and "(you)" in page
    roadmap = web.get("/").content.decode()
    assert "10 / 10" in roadmap


def test_the_roadmap_draws_phases_and_skills_mastered(synced_exercise, student_user, reference_source):
    graded(student_user, synced_exercise, reference_source, passed=7)
    web = Client()
    web.force_login(student_user)
    page = web.get("/").content.decode()
    assert "<svg" in page and "Phases mastered" in page
    assert 'data-done="1"' in page  # the Python foundations bar shows the mastered exercise
    for skill in synced_exercise.skills:  # its skills count as mastered when no other exercise teaches them
        assert f">{skill}</span>" in page
    assert "Skills mastered:" in page
