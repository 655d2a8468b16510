"""Rules of assignments: who may submit, when, how often, what it costs, and the leaderboard row.

`check_*` raise with a sentence for the student; `leaderboard_record` runs inside the result's transaction.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import ExerciseVersion
from courses.models import Assignment, Cohort, Enrolment, Extension, LeaderboardEntry, Role

NO_ATTEMPT_STATUSES = ("not_gradable", "infrastructure_error")  # these cost no attempt
DAY = timedelta(days=1)


class AssignmentClosed(Exception):
    """The student may not submit to this assignment now; the message says why."""


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


def effective_due(assignment: Assignment, student_id: int) -> datetime:
    extension = Extension.objects.filter(assignment=assignment, student_id=student_id).first()
    return max(assignment.due_at, extension.due_at) if extension else assignment.due_at


def effective_cutoff(assignment: Assignment, student_id: int) -> datetime | None:
    if assignment.hard_cutoff_at is None:
        return None
    return max(assignment.hard_cutoff_at, effective_due(assignment, student_id))


def late_penalty(
    assignment: Assignment, student_id: int, submitted_at: datetime, *, due: datetime | None = None
) -> float:
    """The fraction of the score taken off for lateness (0 when on time), per started day late. Pass
    ``due`` (the student's effective due date) when you already know it, to save a query."""
    late = submitted_at - (due or effective_due(assignment, student_id))
    if late <= timedelta(0) or assignment.late_penalty_per_day <= 0:
        return 0.0
    return min(1.0, math.ceil(late / DAY) * assignment.late_penalty_per_day)


def attempts_for(assignment: Assignment, student_id: int, now: datetime | None = None) -> Attempts:
    from grading.models import GradingRun, Submission

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
    per_day = assignment.attempts_per_day
    # The next attempt frees up when enough of the window's attempts have aged out to drop below the
    # allowance (more than per_day in the window happens when an instructor lowers the allowance).
    refill = recent[len(recent) - per_day] + DAY if per_day and len(recent) >= per_day else None
    return Attempts(len(recent), used_total, assignment.attempts_per_day, assignment.attempts_cap, refill)


def enrolment_get(*, cohort_id: int, user) -> Enrolment | None:  # type: ignore[no-untyped-def]
    return Enrolment.objects.filter(cohort_id=cohort_id, user=user).first()


def exercise_is_assigned_to(*, student, exercise) -> bool:  # type: ignore[no-untyped-def]
    """Whether the exercise is an assignment of one of the student's cohorts that still takes work."""
    now = timezone.now()
    for assignment in Assignment.objects.filter(
        exercise=exercise, cohort__enrolments__user=student, cohort__enrolments__role=Role.STUDENT
    ):
        cutoff = effective_cutoff(assignment, student.pk)
        if cutoff is None or now <= cutoff:
            return True
    return False


def check_can_submit(*, assignment: Assignment, student, now: datetime | None = None) -> None:  # type: ignore[no-untyped-def]
    """Call inside the submission's transaction: it locks the enrolment row so that two uploads at once
    cannot both take the last attempt."""
    now = now or timezone.now()
    enrolment = (
        Enrolment.objects.select_for_update().filter(cohort_id=assignment.cohort_id, user=student).first()
    )
    if enrolment is None:
        raise AssignmentClosed("You are not enrolled in the cohort of this assignment.")
    if now < assignment.opens_at:
        raise AssignmentClosed(f"This assignment opens on {assignment.opens_at:%Y-%m-%d %H:%M} UTC.")
    cutoff = effective_cutoff(assignment, student.pk)
    if cutoff is not None and now > cutoff:
        raise AssignmentClosed(
            f"The deadline for this assignment passed on {cutoff:%Y-%m-%d %H:%M} UTC; "
            "late submissions are no longer accepted. Nothing was submitted."
        )
    attempts = attempts_for(assignment, student.pk, now)
    if attempts.remaining == 0:
        if attempts.cap is not None and attempts.used_total >= attempts.cap:
            raise AssignmentClosed(f"You have used all {attempts.cap} attempts for this assignment.")
        when = f" at {attempts.next_refill_at:%Y-%m-%d %H:%M} UTC" if attempts.next_refill_at else ""
        raise AssignmentClosed(
            f"You have used your {attempts.per_day} attempts of the last 24 hours; the next one frees up{when}."
        )


def assignment_pin(*, assignment: Assignment, version: ExerciseVersion) -> ExerciseVersion | None:
    """Grade the assignment's later submissions with ``version`` (one of its exercise's versions; Assignment
    refuses another's). Returns the version it had before, or None when it was pinned to this one already."""
    previous = assignment.exercise_version
    if previous.pk == version.pk:
        return None
    assignment.exercise_version = version
    assignment.save(update_fields=["exercise_version"])
    return previous


def leaderboard_record(*, submission, score: float, metrics: dict[str, dict[str, float]]) -> None:  # type: ignore[no-untyped-def]
    """Keep the student's best row for the assignment. Call inside the result's transaction."""
    if submission.assignment_id is None:
        return
    assignment = submission.assignment
    metric_name = assignment.exercise.leaderboard_metric
    public = metrics.get("public", {}).get(metric_name) if metric_name else None
    private = metrics.get("private", {}).get(metric_name) if metric_name else None
    # get_or_create, not select-then-create: two workers finishing the student's first two results at once
    # would both find no row, and the second insert would break its whole result transaction.
    entry, created = LeaderboardEntry.objects.select_for_update().get_or_create(
        assignment_id=submission.assignment_id,
        student_id=submission.student_id,
        defaults={
            "best_score": score,
            "best_submission": submission,
            "best_submitted_at": submission.created_at,
            "metric_public": public,
            "metric_private": private,
            "metric_submitted_at": submission.created_at if public is not None else None,
        },
    )
    if created:
        return
    if entry.best_submission_id == submission.pk and score < entry.best_score:
        # A regrade lowered the best submission: the row must follow, so recompute it from scratch.
        entry.delete()
        _leaderboard_rebuild(assignment, submission.student_id)
        return
    changed = []
    better = score > entry.best_score or (score == entry.best_score and submission.created_at < entry.best_submitted_at)
    if better:
        entry.best_score, entry.best_submission, entry.best_submitted_at = score, submission, submission.created_at
        changed += ["best_score", "best_submission", "best_submitted_at"]
    if public is not None:
        sign = 1 if assignment.exercise.leaderboard_direction == "max" else -1
        if entry.metric_public is None or sign * public > sign * entry.metric_public:
            entry.metric_public, entry.metric_private = public, private
            entry.metric_submitted_at = submission.created_at
            changed += ["metric_public", "metric_private", "metric_submitted_at"]
    if changed:
        entry.save(update_fields=changed)


def _leaderboard_rebuild(assignment: Assignment, student_id: int) -> None:
    from grading.models import Submission

    scored = Submission.objects.filter(assignment=assignment, student_id=student_id, score__isnull=False)
    best = scored.order_by("-score", "created_at").first()
    if best is None:
        return
    LeaderboardEntry.objects.create(
        assignment=assignment,
        student_id=student_id,
        best_score=best.score,
        best_submission=best,
        best_submitted_at=best.created_at,
    )


@transaction.atomic
def enrol_from_csv(*, cohort: Cohort, text: str) -> dict[str, int]:
    """Bulk enrolment: CSV with a header `username,email,role[,pseudonym]`; users are created if new
    (unusable password: they set one through the password reset). All rows or none."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"username", "role"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"the CSV needs the columns username and role (missing: {', '.join(sorted(missing))})")
    users = get_user_model()
    created = enrolled = 0
    for line, row in enumerate(reader, start=2):
        username = (row.get("username") or "").strip()
        role = (row.get("role") or "").strip().lower()
        if not username or role not in Role.values:
            raise ValueError(f"line {line}: needs a username and a role ({', '.join(Role.values)})")
        # A short line leaves the email as None (DictReader's restval): an empty email, not a crash.
        email = (row.get("email") or "").strip()
        user, was_created = users.objects.get_or_create(username=username, defaults={"email": email})
        if was_created:
            user.set_unusable_password()
            user.save()
            created += 1
        # Re-uploading a roster must not wipe the pseudonym a student chose: only a given one replaces it.
        pseudonym = (row.get("pseudonym") or "").strip()
        Enrolment.objects.update_or_create(
            cohort=cohort, user=user, defaults={"role": role, **({"pseudonym": pseudonym} if pseudonym else {})}
        )
        enrolled += 1
    return {"users_created": created, "enrolled": enrolled}
