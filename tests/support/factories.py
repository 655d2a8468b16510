"""factory_boy factories for the models tests create.

Each factory makes a valid row with as little as possible given; pass what the test is about::

    cohort = CohortFactory(slug="autumn")                      # and its course
    EnrolmentFactory(cohort=cohort, user=student, pseudonym="Curious Otter")
    AssignmentFactory(cohort=cohort, exercise=synced_exercise)  # open since yesterday, due in a week
    ExtensionFactory(assignment=assignment, student=student, due_at=later)

Exercises and their grader versions are never made here: they come from syncing the real exercises folder
(the ``synced_exercise`` fixture of tests/conftest.py, ``grader_tree`` of tests/platform/conftest.py), so
every factory that needs one (``AssignmentFactory``, ``SubmissionFactory`` without an assignment,
``ExerciseBestFactory``) must be given ``exercise=``.

Submissions, runs and results made here are rows only: nothing is queued or graded, and none of the standings
(``ExerciseBest``, ``LeaderboardEntry``) follow from them. A test of grading goes through the services.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from factory.django import DjangoModelFactory

from courses.models import Assignment, Cohort, Course, Enrolment, Extension, Role
from grading.models import (
    ExerciseBest,
    GradingRun,
    LeaderboardEntry,
    RunStatus,
    Submission,
    SubmissionFile,
    TestResult,
)


def _required(factory_name: str, field: str) -> Any:
    def fail() -> Any:
        raise TypeError(
            f"{factory_name} needs {field}=: exercises come from syncing the exercises folder "
            "(the synced_exercise or grader_tree fixture), never from a factory"
        )

    return factory.LazyFunction(fail)


# --------------------------------------------------------------------------- people and courses


class UserFactory(DjangoModelFactory):
    """A user made as ``create_user`` makes one; the password is ``pw-<username>-12345`` unless given."""

    class Meta:
        model = settings.AUTH_USER_MODEL

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyAttribute(lambda user: f"pw-{user.username}-12345")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        return cls._get_manager(model_class).create_user(*args, **kwargs)

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["password"] = make_password(kwargs["password"])
        return super()._build(model_class, *args, **kwargs)


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"cohort-{n}")
    name = factory.Sequence(lambda n: f"Cohort {n}")


class EnrolmentFactory(DjangoModelFactory):
    """A student's enrolment unless ``role=`` says otherwise."""

    class Meta:
        model = Enrolment

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.STUDENT


class AssignmentFactory(DjangoModelFactory):
    """Open since yesterday and due in a week, on ``exercise`` (required), pinned to its current version."""

    class Meta:
        model = Assignment

    cohort = factory.SubFactory(CohortFactory)
    exercise = _required("AssignmentFactory", "exercise")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class ExtensionFactory(DjangoModelFactory):
    """Two days past the assignment's due date unless ``due_at=`` is given."""

    class Meta:
        model = Extension

    assignment = factory.SubFactory(AssignmentFactory)
    student = factory.SubFactory(UserFactory)
    due_at = factory.LazyAttribute(lambda extension: extension.assignment.due_at + timedelta(days=2))


# --------------------------------------------------------------------------- submissions and their grading


class SubmissionFileFactory(DjangoModelFactory):
    class Meta:
        model = SubmissionFile

    submission = factory.SubFactory("tests.support.factories.SubmissionFactory", files=None)
    name = "solution.py"
    content = b"# a submission\n"


class SubmissionFactory(DjangoModelFactory):
    """A submission of ``exercise`` (or of ``assignment``'s exercise, graded with its pinned version), with
    one file, solution.py (``files=None``: none). Not graded: ``score`` is None unless given. Its
    ``created_at`` is set on insert (move it with an update)."""

    class Meta:
        model = Submission
        skip_postgeneration_save = True

    student = factory.SubFactory(UserFactory)
    assignment = None
    exercise = factory.Maybe(
        "assignment",
        yes_declaration=factory.SelfAttribute("assignment.exercise"),
        no_declaration=_required("SubmissionFactory without an assignment", "exercise"),
    )
    exercise_version = factory.LazyAttribute(
        lambda s: s.assignment.exercise_version if s.assignment is not None else s.exercise.current_version
    )
    max_score = factory.SelfAttribute("exercise_version.max_score")
    files = factory.RelatedFactory(SubmissionFileFactory, factory_related_name="submission")


class GradingRunFactory(DjangoModelFactory):
    """A queued run of ``submission`` with its version; ``graded=True``: graded with full marks."""

    class Meta:
        model = GradingRun

    class Params:
        graded = factory.Trait(
            status=RunStatus.GRADED,
            deliveries=1,
            started_at=factory.LazyFunction(timezone.now),
            finished_at=factory.LazyFunction(timezone.now),
            tests_total=factory.LazyAttribute(lambda run: len(run.exercise_version.manifest)),
            tests_done=factory.SelfAttribute("tests_total"),
            max_score=factory.SelfAttribute("exercise_version.max_score"),
            score=factory.SelfAttribute("max_score"),
        )

    submission = factory.SubFactory(SubmissionFactory)
    exercise_version = factory.SelfAttribute("submission.exercise_version")
    status = RunStatus.QUEUED


class TestResultFactory(DjangoModelFactory):
    """A passed test worth one point (a failed one scores nothing unless ``points=`` says otherwise)."""

    __test__ = False  # not a pytest test class

    class Meta:
        model = TestResult

    run = factory.SubFactory(GradingRunFactory, graded=True)
    name = factory.Sequence(lambda n: f"test_{n}")
    outcome = "passed"
    max_points = 1.0
    points = factory.LazyAttribute(lambda result: result.max_points if result.outcome == "passed" else 0.0)
    position = factory.Sequence(lambda n: n)


# --------------------------------------------------------------------------- standings


class ExerciseBestFactory(DjangoModelFactory):
    """Full marks on ``exercise`` (required), as its current version counts them, reached now."""

    class Meta:
        model = ExerciseBest

    student = factory.SubFactory(UserFactory)
    exercise = _required("ExerciseBestFactory", "exercise")
    max_score = factory.SelfAttribute("exercise.current_version.max_score")
    best_score = factory.SelfAttribute("max_score")
    achieved_at = factory.LazyFunction(timezone.now)


class LeaderboardEntryFactory(DjangoModelFactory):
    """Full marks on ``assignment``, from a submission of the student's with that score."""

    class Meta:
        model = LeaderboardEntry

    assignment = factory.SubFactory(AssignmentFactory)
    student = factory.SubFactory(UserFactory)
    best_score = factory.SelfAttribute("assignment.max_score")
    best_submission = factory.SubFactory(
        SubmissionFactory,
        student=factory.SelfAttribute("..student"),
        assignment=factory.SelfAttribute("..assignment"),
        score=factory.SelfAttribute("..best_score"),
    )
    best_submitted_at = factory.SelfAttribute("best_submission.created_at")
