"""The factories of tests/support/factories.py make valid rows from as little as the test gives."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from courses.models import Role
from grading.models import RunStatus
from tests.support.factories import (
    AssignmentFactory,
    EnrolmentFactory,
    ExerciseBestFactory,
    ExtensionFactory,
    GradingRunFactory,
    LeaderboardEntryFactory,
    SubmissionFactory,
    SubmissionFileFactory,
    TestResultFactory,
    UserFactory,
)


def test_a_user_can_sign_in_with_the_default_or_the_given_password(db) -> None:
    ada = UserFactory(username="ada")
    assert authenticate(username="ada", password="pw-ada-12345") == ada
    grace = UserFactory(password="another-secret-123")
    assert authenticate(username=grace.username, password="another-secret-123") == grace
    assert UserFactory.build().password.startswith("pbkdf2_")  # hashed, never the raw text


def test_an_assignment_needs_a_synced_exercise(db) -> None:
    with pytest.raises(TypeError, match="AssignmentFactory needs exercise="):
        AssignmentFactory()


def test_the_course_chain(synced_exercise) -> None:
    enrolment = EnrolmentFactory()
    assert enrolment.role == Role.STUDENT and enrolment.cohort.course.pk
    assignment = AssignmentFactory(cohort=enrolment.cohort, exercise=synced_exercise)
    assert assignment.opens_at < assignment.due_at
    assert assignment.exercise_version_id == synced_exercise.current_version_id  # pinned on save
    extension = ExtensionFactory(assignment=assignment, student=enrolment.user)
    assert extension.due_at > assignment.due_at


def test_submissions_runs_and_results(synced_exercise) -> None:
    submission = SubmissionFactory(exercise=synced_exercise)
    assert submission.exercise_version_id == synced_exercise.current_version_id
    assert submission.max_score == synced_exercise.current_version.max_score and submission.score is None
    assert [f.name for f in submission.files.all()] == ["solution.py"]
    assert not SubmissionFactory(exercise=synced_exercise, files=None).files.exists()
    assert SubmissionFileFactory(submission__exercise=synced_exercise).submission.files.count() == 1
    assert SubmissionFileFactory(submission=submission, name="helpers.py").submission.files.count() == 2

    assignment = AssignmentFactory(exercise=synced_exercise)
    for_assignment = SubmissionFactory(assignment=assignment)
    assert for_assignment.exercise_id == synced_exercise.pk
    assert for_assignment.exercise_version_id == assignment.exercise_version_id

    queued = GradingRunFactory(submission=submission)
    assert queued.status == RunStatus.QUEUED and queued.exercise_version_id == submission.exercise_version_id
    graded = GradingRunFactory(submission=submission, graded=True)
    assert graded.status == RunStatus.GRADED and graded.score == graded.max_score == submission.max_score
    passed = TestResultFactory(run=graded)
    failed = TestResultFactory(run=graded, outcome="failed")
    assert (passed.points, failed.points) == (1.0, 0.0)


def test_standings(synced_exercise) -> None:
    best = ExerciseBestFactory(exercise=synced_exercise)
    assert best.mastered
    entry = LeaderboardEntryFactory(assignment__exercise=synced_exercise)
    assert entry.best_score == entry.assignment.max_score == entry.best_submission.score
    assert entry.best_submission.student_id == entry.student_id
    assert entry.best_submission.assignment_id == entry.assignment_id
    assert entry.best_submitted_at == entry.best_submission.created_at
