"""manage.py regrade: new runs against the current grader version; with --never-lower a regrade may raise a
score but never lower it. The worker is simulated by calling grading.runs.complete directly."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from grading.gradebook import gradebook
from grading.models import GradingRun, LeaderboardEntry, Submission


def regrade(*args: str) -> str:
    out = io.StringIO()
    call_command("regrade", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def graded_ten(cohort, enrol, student_user, make_assignment, submit, grade):  # type: ignore[no-untyped-def]
    enrol(student_user, cohort)
    assignment = make_assignment(cohort)
    submission = submit(student_user, assignment)
    grade(submission)
    return submission


def test_never_lower_keeps_the_higher_score(graded_ten, grade, sent) -> None:
    sent.clear()
    assert "queued 1 regrade run(s)" in regrade("--submission", str(graded_ten.pk), "--never-lower")
    run = GradingRun.objects.get(submission=graded_ten, is_regrade=True)
    assert run.never_lower and run.status == "queued" and run.exercise_version_id == graded_ten.exercise.current_version_id
    grade(graded_ten, failing=["test_simple_sentence", "test_ignores_case"])  # the new grader gives 7
    run.refresh_from_db()
    assert run.score == 7  # the run records what the grader said ...
    graded_ten.refresh_from_db()
    assert graded_ten.score == 10  # ... and the submission keeps its 10
    assert LeaderboardEntry.objects.get(student=graded_ten.student).best_score == 10
    assert gradebook(cohort=graded_ten.assignment.cohort).cells[(graded_ten.student_id, graded_ten.assignment_id)].score == 10


def test_never_lower_still_raises(cohort, enrol, student_user, make_assignment, submit, grade) -> None:
    enrol(student_user, cohort)
    assignment = make_assignment(cohort)
    submission = submit(student_user, assignment)
    grade(submission, failing=["test_simple_sentence"])  # 9
    regrade("--assignment", str(assignment.pk), "--never-lower")
    grade(submission)  # fixed grader: 10
    submission.refresh_from_db()
    assert submission.score == 10
    assert LeaderboardEntry.objects.get(student=student_user).best_score == 10


def test_without_never_lower_the_new_score_counts(graded_ten, grade) -> None:
    regrade("--submission", str(graded_ten.pk))
    grade(graded_ten, failing=["test_simple_sentence", "test_ignores_case"])
    graded_ten.refresh_from_db()
    assert graded_ten.score == 7
    assert gradebook(cohort=graded_ten.assignment.cohort).cells[(graded_ten.student_id, graded_ten.assignment_id)].score == 7


def test_regrade_by_exercise_and_nothing_to_regrade(graded_ten, sent) -> None:
    sent.clear()
    assert "queued 1 regrade run(s)" in regrade("--exercise", graded_ten.exercise.slug)
    assert len(sent) == 0  # sent only after the transaction commits (the test's never does)
    assert Submission.objects.count() == 1
    with pytest.raises(CommandError, match="no submission matches"):
        regrade("--exercise", "nope/nothing")
