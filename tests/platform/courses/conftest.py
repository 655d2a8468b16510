"""Fixtures for the course tests: a course with two cohorts, assignments made to measure, and a way to
'grade' a submission by calling grading.runs.complete with a made-up Outcome (as
tests/platform/grading/test_services.py does). The broker is replaced by a recorder: these are unit tests
of the code around it; tests/e2e sends real tasks to a real worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from courses.models import Assignment, Cohort, Course, Enrolment, Role
from grading import dispatch, intake, runs
from grading.models import GradingRun, Submission
from tests.support.factories import AssignmentFactory, CohortFactory, CourseFactory, EnrolmentFactory
from tests.support.outcomes import fake_outcome


@pytest.fixture(autouse=True)
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(dispatch, "send", lambda run, **_: calls.append(run.pk))
    return calls


@pytest.fixture
def course(db) -> Course:  # type: ignore[no-untyped-def]
    return CourseFactory(slug="ai-101", title="AI Engineering 101")


@pytest.fixture
def cohort(course) -> Cohort:  # type: ignore[no-untyped-def]
    return CohortFactory(course=course, slug="autumn", name="Autumn 2026")


@pytest.fixture
def other_cohort(course) -> Cohort:  # type: ignore[no-untyped-def]
    return CohortFactory(course=course, slug="spring", name="Spring 2027")


@pytest.fixture
def enrol() -> Callable[..., Enrolment]:
    def make(user, cohort: Cohort, role: str = Role.STUDENT, **fields: Any) -> Enrolment:  # type: ignore[no-untyped-def]
        return EnrolmentFactory(user=user, cohort=cohort, role=role, **fields)

    return make


@pytest.fixture
def make_assignment(synced_exercise) -> Callable[..., Assignment]:  # type: ignore[no-untyped-def]
    """An assignment open since yesterday and due in a week, unless told otherwise."""

    def make(cohort: Cohort, exercise=None, **fields: Any) -> Assignment:  # type: ignore[no-untyped-def]
        return AssignmentFactory(cohort=cohort, exercise=exercise or synced_exercise, **fields)

    return make


@pytest.fixture
def submit(reference_source) -> Callable[..., Submission]:  # type: ignore[no-untyped-def]
    def make(student, assignment: Assignment, source: bytes | None = None) -> Submission:  # type: ignore[no-untyped-def]
        return intake.submission_create(
            student=student,
            exercise=assignment.exercise,
            uploads={"solution.py": source or reference_source},
            assignment=assignment,
        )

    return make


@pytest.fixture
def grade() -> Callable[..., GradingRun]:
    """Finish the submission's open run as a worker would: claim it, then commit a made-up outcome."""

    def finish(submission: Submission, **outcome: Any) -> GradingRun:
        run = GradingRun.objects.filter(submission=submission, status="queued").order_by("-pk").first()
        assert run is not None, "no queued run to finish"
        assert runs.claim(run_id=run.pk, token="test-worker")
        assert runs.complete(run_id=run.pk, token="test-worker", outcome=fake_outcome(run, **outcome))
        run.refresh_from_db()
        return run

    return finish


@pytest.fixture
def backdate() -> Callable[[Submission, datetime], Submission]:
    """Move a submission in time (created_at is set on insert)."""

    def move(submission: Submission, when: datetime) -> Submission:
        Submission.objects.filter(pk=submission.pk).update(created_at=when)
        submission.refresh_from_db()
        return submission

    return move

