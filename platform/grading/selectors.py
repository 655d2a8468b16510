"""Reads for grading: submissions and runs (with the permission check built in where a person asks), a run's
job, attempts used, and the standings (assignment leaderboards, the roadmap's)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from catalog.jobs import build_job_from_spec
from core.users import User
from courses.models import Assignment, Enrolment, Role
from courses.selectors import extra_attempts, is_cohort_staff, public_names
from grading.grader_versions import grader_spec_for
from grading.models import ExerciseBest, GradingRun, LeaderboardEntry, RunStatus, Submission, SubmissionFile
from sandbox import GradingJob, LoadedSubmission

NO_ATTEMPT_STATUSES = (RunStatus.NOT_GRADABLE, RunStatus.INFRASTRUCTURE_ERROR)  # these cost no attempt
DAY = timedelta(days=1)


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    """Staff see every submission; a student only their own."""
    qs = Submission.objects.select_related("exercise", "student")
    return qs if user.is_staff else qs.filter(student=user)


def submission_get_for_user(*, user: User, submission_id: int) -> Submission:
    submission = submissions_visible_to(user).filter(pk=submission_id).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


def queue_position(run: GradingRun) -> int:
    """1 for the next run a free grader takes: the runs of its queue sent before it, plus one. A run the fair
    queue holds (grading.dispatch) comes after every run sent so far and after its student's earlier held
    ones: a place it can only move up from, as other students' later submissions may still go first."""
    queued = GradingRun.objects.filter(status=RunStatus.QUEUED, queue=run.queue, held=False)
    if run.held:
        earlier_held = GradingRun.objects.filter(
            status=RunStatus.QUEUED, held=True, queue=run.queue, submission__student_id=run.submission.student_id,
            pk__lt=run.pk,
        )
        return queued.count() + earlier_held.count() + 1
    if run.sent_at is None:
        return queued.filter(pk__lt=run.pk).count() + 1
    ahead = queued.filter(Q(sent_at__lt=run.sent_at) | Q(sent_at=run.sent_at, pk__lt=run.pk) | Q(sent_at__isnull=True, pk__lt=run.pk))
    return ahead.count() + 1


def latest_run(submission: Submission) -> GradingRun | None:
    return submission.runs.order_by("-created_at", "-id").first()


def run_name_for(run_id: int) -> str:
    """Containers and work folders are named after the run, not the delivery, so a retry removes what a
    killed worker left behind; the database's name keeps two installations on one engine apart."""
    database = Path(str(connection.settings_dict["NAME"])).stem
    return f"{re.sub(r'[^a-z0-9_.-]', '-', database.lower())[:30]}-run{run_id}"


def job_for_run(run_id: int) -> GradingJob:
    """The run's job, graded with the run's exercise version (its assignment's pinned one, or the version a
    regrade chose), never simply with whatever graders/ holds now. Raises GraderVersionUnavailable when that
    version's grader cannot be had (the task records it as an infrastructure error)."""
    run = GradingRun.objects.select_related("submission", "exercise_version__exercise").get(pk=run_id)
    submission = run.submission
    spec = grader_spec_for(run.exercise_version)
    files = {f.name: bytes(f.content) for f in SubmissionFile.objects.filter(submission=submission)}
    loaded = LoadedSubmission(files=files, notes=list(submission.notes))
    return build_job_from_spec(
        spec,
        loaded,
        run_name=run_name_for(run.pk),
        default_limits=settings.SANDBOX_DEFAULT_LIMITS,
        gpu_available=settings.SANDBOX_GPU,
        grader_secret=settings.GRADER_SECRET,
        first_delivery=run.deliveries <= 1,  # read after this delivery's claim counted it
    )


@dataclass(frozen=True)
class Attempts:
    used_today: int
    used_total: int
    per_day: int | None
    cap: int | None
    next_refill_at: datetime | None

    @property
    def remaining(self) -> int | None:
        """Attempts left now (None: unlimited)."""
        limits = []
        if self.per_day is not None:
            limits.append(self.per_day - self.used_today)
        if self.cap is not None:
            limits.append(self.cap - self.used_total)
        return max(0, min(limits)) if limits else None


def attempts_for(assignment: Assignment, student_id: int, now: datetime | None = None) -> Attempts:
    now = now or timezone.now()
    free = GradingRun.objects.filter(submission=OuterRef("pk"), status__in=NO_ATTEMPT_STATUSES)
    counted = (
        Submission.objects.filter(assignment=assignment, student_id=student_id)
        .annotate(free=Exists(free))
        .filter(free=False)
    )
    window_start = now - DAY
    recent = list(counted.filter(created_at__gt=window_start).order_by("created_at").values_list("created_at", flat=True))
    used_total = counted.count()
    # An extension's extra attempts raise both limits the assignment sets, for this student alone.
    extra = extra_attempts(assignment, student_id)
    per_day = assignment.attempts_per_day + extra if assignment.attempts_per_day is not None else None
    cap = assignment.attempts_cap + extra if assignment.attempts_cap is not None else None
    # The next attempt frees up when enough of the window's attempts have aged out to drop below the
    # allowance (more than per_day in the window happens when an instructor lowers the allowance).
    refill = recent[len(recent) - per_day] + DAY if per_day and len(recent) >= per_day else None
    return Attempts(len(recent), used_total, per_day, cap, refill)


@dataclass
class LeaderboardRow:
    rank: int
    name: str
    score: Decimal
    submitted_at: datetime
    metric: float | None
    is_me: bool


def leaderboard(*, assignment: Assignment, viewer: User, limit: int = 100) -> tuple[list[LeaderboardRow], str]:
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


def exercise_bests(student_id: int) -> dict[int, float]:
    """Exercise id -> the student's best score on it (one row per exercise tried, kept with each result)."""
    return dict(ExerciseBest.objects.filter(student_id=student_id).values_list("exercise_id", "best_score"))


@dataclass
class RoadmapRank:
    rank: int
    name: str
    total: float
    mastered: int
    is_me: bool


def roadmap_leaderboard(*, viewer: User, limit: int = 50) -> list[RoadmapRank]:
    """Everyone's best scores summed over the roadmap: one grouped read of the ExerciseBest rows."""
    rows = (
        ExerciseBest.objects.filter(exercise__active=True, exercise__listed=True)  # the roadmap's exercises only
        .values("student_id")
        .annotate(
            total=Sum("best_score"),
            mastered_count=Count("pk", filter=Q(best_score__gte=F("max_score"), max_score__gt=0)),
            last=Max("achieved_at"),
        )
        .order_by("-total", "last", "student_id")[:limit]
    )
    ranked = list(rows)
    names = public_names([row["student_id"] for row in ranked])
    return [
        RoadmapRank(index, names[row["student_id"]], row["total"], row["mastered_count"], row["student_id"] == viewer.pk)
        for index, row in enumerate(ranked, start=1)
    ]


def assignment_has_submissions(assignment_id: int) -> bool:
    return Submission.objects.filter(assignment_id=assignment_id).exists()


def submission_for_staff(*, user: User, submission_id: int, submissions: QuerySet[Submission] | None = None) -> Submission:
    """A submission its reader may open as staff: one to an assignment of a cohort they teach, or practice
    (no cohort) for site administrators only; 404 for anyone else, as if it did not exist. ``submissions``:
    the caller's query (what it selects and prefetches)."""
    query = submissions if submissions is not None else Submission.objects.select_related("student", "assignment")
    submission = query.filter(pk=submission_id).first()
    if submission is None:
        raise Http404("No such submission.")
    if submission.assignment_id is None:
        allowed = user.is_staff
    else:
        assert submission.assignment is not None
        allowed = is_cohort_staff(user, submission.assignment.cohort_id)
    if not allowed:
        raise Http404("No such submission.")
    return submission


def assignment_submissions(assignment: Assignment, *, username: str = "") -> QuerySet[Submission]:
    """The assignment's submissions (one student's, by user name), newest first, each with its latest run's
    status as ``run_status`` (None: no run): the staff list and the staff API read the same rows."""
    latest = GradingRun.objects.filter(submission=OuterRef("pk")).order_by("-created_at", "-pk").values("status")
    submissions = (
        Submission.objects.filter(assignment=assignment)
        .select_related("student")
        .annotate(run_status=Subquery(latest[:1]))
        .order_by("-created_at", "-pk")
    )
    return submissions.filter(student__username=username) if username else submissions
