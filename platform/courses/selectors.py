"""Reads for courses: deadlines as one student sees them, feedback levels, and access (`access_*` raise 404
for people who may not see)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from catalog.models import Exercise
from core.users import User
from courses.models import Assignment, Cohort, Enrolment, Extension, FeedbackLevel, FeedbackVisibility, Role

DAY = timedelta(days=1)


def effective_due(assignment: Assignment, student_id: int) -> datetime:
    extension = Extension.objects.filter(assignment=assignment, student_id=student_id).first()
    return max(assignment.due_at, extension.due_at) if extension else assignment.due_at


def extra_attempts(assignment: Assignment, student_id: int) -> int:
    extension = Extension.objects.filter(assignment=assignment, student_id=student_id).only("extra_attempts").first()
    return extension.extra_attempts if extension else 0


def effective_cutoff(assignment: Assignment, student_id: int) -> datetime | None:
    if assignment.hard_cutoff_at is None:
        return None
    return max(assignment.hard_cutoff_at, effective_due(assignment, student_id))


def late_penalty(
    assignment: Assignment, student_id: int, submitted_at: datetime, *, due: datetime | None = None
) -> float:
    """The fraction of the score taken off for lateness (0 when on time), per started day late. Pass
    ``due`` (the student's effective due date) when you already know it, to save a query."""
    days = days_late(submitted_at, due or effective_due(assignment, student_id))
    if days == 0 or assignment.late_penalty_per_day <= 0:
        return 0.0
    return min(1.0, days * assignment.late_penalty_per_day)


def days_late(submitted_at: datetime, due: datetime) -> int:
    """Started days after ``due`` (0 when on time): what the late penalty and grace days count."""
    late = submitted_at - due
    return math.ceil(late / DAY) if late > timedelta(0) else 0


def enrolment_get(*, cohort_id: int, user: User) -> Enrolment | None:
    return Enrolment.objects.filter(cohort_id=cohort_id, user=user).first()


def exercise_is_assigned_to(*, student: User, exercise: Exercise) -> bool:
    """Whether the exercise is an assignment of one of the student's cohorts that still takes work."""
    now = timezone.now()
    for assignment in Assignment.objects.filter(
        exercise=exercise, cohort__enrolments__user=student, cohort__enrolments__role=Role.STUDENT
    ):
        cutoff = effective_cutoff(assignment, student.pk)
        if cutoff is None or now <= cutoff:
            return True
    return False


def exercise_reachable_by(*, user: User, exercise: Exercise) -> bool:
    """Whether the user may see the exercise's statement and files: a roadmap exercise, anyone signed in; an
    unlisted one, staff and the members of a cohort that has an assignment of it."""
    if exercise.listed or user.is_staff:
        return True
    return Assignment.objects.filter(exercise=exercise, cohort__enrolments__user=user).exists()


def exercises_assignable(*, user: User, cohort: Cohort) -> QuerySet[Exercise]:
    """The exercises ``user`` may schedule for ``cohort``: every active roadmap exercise; an unlisted one (a
    course's private exercise, its hidden tests included) only where the course already has an assignment of
    it, which a site administrator made; site administrators, any."""
    active = Exercise.objects.filter(active=True)
    if user.is_staff:
        return active
    courses_own = Assignment.objects.filter(cohort__course_id=cohort.course_id).values("exercise_id")
    return active.filter(Q(listed=True) | Q(pk__in=courses_own))


def cohorts_of(user: User) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(user=user).select_related("cohort__course").order_by("cohort__course__title")


def cohort_roster(cohort: Cohort) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(cohort=cohort).select_related("user").order_by("role", "user__username")


def is_cohort_staff(user: User, cohort_id: int) -> bool:
    if user.is_staff:
        return True
    return Enrolment.objects.filter(cohort_id=cohort_id, user=user, role__in=[Role.TA, Role.INSTRUCTOR]).exists()


def access_assignment(*, user: User, assignment_id: int) -> Assignment:
    """An assignment of a cohort the user is in (staff: any). Students never see a cohort they are not in."""
    assignment = (
        Assignment.objects.select_related("exercise__current_version", "exercise_version", "cohort__course")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise Http404("No such assignment.")
    if not user.is_staff and not Enrolment.objects.filter(cohort_id=assignment.cohort_id, user=user).exists():
        raise Http404("No such assignment.")
    return assignment


def access_assignment_as_staff(*, user: User, assignment_id: int) -> Assignment:
    """An assignment of a cohort the user teaches (its cohort, course, exercise and pinned version read with
    it); 404 for anyone else, as if it did not exist."""
    assignment = (
        Assignment.objects.select_related("cohort__course", "exercise__current_version", "exercise_version")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or not is_cohort_staff(user, assignment.cohort_id):
        raise Http404("No such assignment.")
    return assignment


def access_cohort_as_staff(*, user: User, cohort_id: int) -> Cohort:
    cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
    if cohort is None or not is_cohort_staff(user, cohort_id):
        raise Http404("No such cohort.")
    return cohort


def public_names(user_ids: list[int]) -> dict[int, str]:
    """How each user appears on the roadmap leaderboard: their name where they chose to show it in any
    cohort, else a pseudonym they chose, else an anonymous label."""
    names = {user_id: f"Learner {user_id}" for user_id in user_ids}
    chosen: set[int] = set()
    for enrolment in Enrolment.objects.filter(user_id__in=user_ids).select_related("user").order_by("pk"):
        if enrolment.user_id in chosen:
            continue
        if enrolment.show_name or enrolment.pseudonym:
            names[enrolment.user_id] = enrolment.display_name
            chosen.add(enrolment.user_id)
    return names


# ------------------------------------------------------------------------ feedback visibility

def feedback_level(
    *, user: User, assignment: Assignment | None, student_id: int
) -> tuple[FeedbackLevel, datetime | None]:
    """What `user` may see of the feedback on a submission of `student_id` (for `assignment`; None: practice),
    and (SCORES) when the rest appears: the student's due date with any extension."""
    if assignment is None or user.is_staff or is_cohort_staff(user, assignment.cohort_id):
        return FeedbackLevel.FULL, None
    if assignment.feedback_visibility == FeedbackVisibility.HIDDEN:
        return FeedbackLevel.TOTAL, None
    if assignment.feedback_visibility == FeedbackVisibility.AFTER_DUE:
        due = effective_due(assignment, student_id)
        return (FeedbackLevel.FULL, None) if timezone.now() >= due else (FeedbackLevel.SCORES, due)
    return FeedbackLevel.FULL, None


def hidden_tests_shown(*, user: User, assignment: Assignment | None, student_id: int) -> bool:
    """Whether `user` may see the names and messages of a grader's hidden tests on a submission of
    `student_id`: staff always; the student once the assignment takes no more work from them (its cut-off,
    with any extension; never for an assignment that takes late work for ever); never in practice. Hidden
    tests keep their inputs secret from everyone who may still submit."""
    if user.is_staff or (assignment is not None and is_cohort_staff(user, assignment.cohort_id)):
        return True
    if assignment is None:
        return False
    cutoff = effective_cutoff(assignment, student_id)
    return cutoff is not None and timezone.now() >= cutoff
