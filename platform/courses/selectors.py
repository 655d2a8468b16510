"""Reads for courses, with the permission check built in: `access_*` raise 404 for people who may not see."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from courses.models import (
    Assignment,
    Cohort,
    Enrolment,
    Extension,
    FeedbackVisibility,
    LeaderboardEntry,
    Role,
    ScorePolicy,
)
from courses.services import effective_due, late_penalty


def cohorts_of(user) -> QuerySet[Enrolment]:  # type: ignore[no-untyped-def]
    return Enrolment.objects.filter(user=user).select_related("cohort__course").order_by("cohort__course__title")


def is_cohort_staff(user, cohort_id: int) -> bool:  # type: ignore[no-untyped-def]
    if user.is_staff:
        return True
    return Enrolment.objects.filter(cohort_id=cohort_id, user=user, role__in=[Role.TA, Role.INSTRUCTOR]).exists()


def access_assignment(*, user, assignment_id: int) -> Assignment:  # type: ignore[no-untyped-def]
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


def access_cohort_as_staff(*, user, cohort_id: int) -> Cohort:  # type: ignore[no-untyped-def]
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


@dataclass
class LeaderboardRow:
    rank: int
    name: str
    score: float
    submitted_at: datetime
    metric: float | None
    is_me: bool


def leaderboard(*, assignment: Assignment, viewer, limit: int = 100) -> tuple[list[LeaderboardRow], str]:  # type: ignore[no-untyped-def]
    """Rows in rank order and what they are ranked by. Metric challenges rank by the public metric while
    the assignment is open and by the private one after its due date; others by best score, earliest first."""
    metric = assignment.exercise.leaderboard_metric
    # The private ranking shows once no more work can come in: after the hard cut-off (late work is
    # accepted until then), or the due date when there is none.
    revealed = timezone.now() >= (assignment.hard_cutoff_at or assignment.due_at)
    students = Enrolment.objects.filter(cohort_id=assignment.cohort_id, role=Role.STUDENT).values("user_id")
    entries = LeaderboardEntry.objects.filter(assignment=assignment, student_id__in=students)
    if metric:
        field_name = "metric_private" if revealed else "metric_public"
        descending = assignment.exercise.leaderboard_direction == "max"
        entries = entries.exclude(**{f"{field_name}__isnull": True}).order_by(
            f"{'-' if descending else ''}{field_name}", "metric_submitted_at"
        )
        ranked_by = f"{metric} on the {'private (hidden)' if revealed else 'public'} part"
    else:
        field_name = ""
        entries = entries.order_by("-best_score", "best_submitted_at")
        ranked_by = "best score, earliest submission first on ties"
    names = {
        e.user_id: e.display_name
        for e in Enrolment.objects.filter(cohort_id=assignment.cohort_id).select_related("user")
    }
    rows = []
    for rank, entry in enumerate(entries[:limit], start=1):
        rows.append(
            LeaderboardRow(
                rank=rank,
                name=names.get(entry.student_id, "Learner"),
                score=entry.best_score,
                submitted_at=entry.best_submitted_at,
                metric=getattr(entry, field_name) if field_name else None,
                is_me=entry.student_id == viewer.pk,
            )
        )
    return rows, ranked_by


@dataclass
class GradebookCell:
    score: float | None = None  # after the late penalty
    raw: float | None = None
    late: bool = False
    attempts: int = 0


@dataclass
class Gradebook:
    cohort: Cohort
    assignments: list[Assignment]
    students: list[Enrolment]
    cells: dict[tuple[int, int], GradebookCell] = field(default_factory=dict)
    failed_tests: dict[int, Counter[str]] = field(default_factory=dict)

    def row(self, enrolment: Enrolment) -> list[GradebookCell]:
        return [self.cells.get((enrolment.user_id, a.pk), GradebookCell()) for a in self.assignments]

    def scores(self, assignment: Assignment) -> list[float]:
        """The scores of the cohort's enrolled students (not staff's test submissions)."""
        enrolled = {e.user_id for e in self.students}
        return [
            cell.score
            for (user_id, assignment_id), cell in self.cells.items()
            if assignment_id == assignment.pk and cell.score is not None and user_id in enrolled
        ]


def gradebook(*, cohort: Cohort) -> Gradebook:
    from grading.models import Submission, TestResult

    assignments = list(Assignment.objects.filter(cohort=cohort).select_related("exercise", "exercise_version"))
    students = list(
        Enrolment.objects.filter(cohort=cohort, role=Role.STUDENT).select_related("user").order_by("user__username")
    )
    book = Gradebook(cohort=cohort, assignments=assignments, students=students)
    by_id = {a.pk: a for a in assignments}
    # A submission that could not be loaded (not_gradable) costs no attempt and is not a result: it must not
    # become the "latest" score, as attempts_for does not count it either.
    submissions = (
        Submission.objects.filter(assignment__in=assignments)
        .exclude(score__isnull=True)
        .exclude(runs__status="not_gradable")
        .order_by("created_at")
        .values_list("student_id", "assignment_id", "score", "created_at")
    )
    counts: dict[tuple[int, int], int] = defaultdict(int)
    # Every extension of the cohort in one query, not one per submission (the page reads millions of rows).
    extensions = {
        (student_id, assignment_id): due
        for assignment_id, student_id, due in Extension.objects.filter(assignment__in=assignments).values_list(
            "assignment_id", "student_id", "due_at"
        )
    }
    for student_id, assignment_id, score, created_at in submissions:
        assignment = by_id[assignment_id]
        key = (student_id, assignment_id)
        counts[key] += 1
        due = max(assignment.due_at, extensions.get(key, assignment.due_at))
        penalty = late_penalty(assignment, student_id, created_at, due=due)
        penalised = score * (1 - penalty)
        cell = book.cells.setdefault(key, GradebookCell())
        if assignment.score_policy == ScorePolicy.LATEST or cell.score is None or penalised > cell.score:
            cell.score, cell.raw, cell.late = penalised, score, penalty > 0
        cell.attempts = counts[key]
    for assignment in assignments:
        failing = TestResult.objects.filter(
            run__submission__assignment=assignment, run__is_regrade=False
        ).exclude(outcome="passed")
        book.failed_tests[assignment.pk] = Counter(failing.values_list("name", flat=True))
    return book


# ------------------------------------------------------------------------ feedback visibility

FULL = "full"  # every test with its message, and the output of the student's code
SCORES = "scores"  # each test's outcome and points; no messages or output (after_due, before the due date)
TOTAL = "total"  # the total score and the run's status only (hidden)


def feedback_level(*, user, submission) -> tuple[str, datetime | None]:  # type: ignore[no-untyped-def]
    """What `user` may see of the submission's feedback, and (SCORES) when the rest appears: the student's
    due date with any extension."""
    assignment = submission.assignment
    if assignment is None or user.is_staff or is_cohort_staff(user, assignment.cohort_id):
        return FULL, None
    if assignment.feedback_visibility == FeedbackVisibility.HIDDEN:
        return TOTAL, None
    if assignment.feedback_visibility == FeedbackVisibility.AFTER_DUE:
        due = effective_due(assignment, submission.student_id)
        return (FULL, None) if timezone.now() >= due else (SCORES, due)
    return FULL, None
