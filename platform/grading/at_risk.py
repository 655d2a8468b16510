"""The at-risk list of a cohort: its students whose work shows one of three signs, each with the facts.

- missing: an assignment due within ``GRADIENT_AT_RISK_DUE_HOURS`` (48) with no submission yet, or already past
  the student's due date (with any extension) with none;
- falling: the last three counted scores of assignments already due (fractions of full marks, by due date),
  each lower than the one before, or the latest below half of the student's own earlier average;
- attempts: ``GRADIENT_AT_RISK_FAILED_ATTEMPTS`` (5) or more graded submissions on one assignment that still
  takes work, none with full marks.

Scores are the gradebook's (grading.gradebook.counted_scores: late penalties, grace days and marks given by
hand applied). A fixed number of queries for the whole cohort, however many students it has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone

from core.points import format_points
from courses.models import Assignment, Cohort, Enrolment, Extension, Role
from courses.selectors import DAY
from grading.gradebook import GradebookCell, counted_scores
from grading.models import GradingRun, RunStatus, Submission

HOUR = timedelta(hours=1)
RULES = {
    "missing": "no submission",
    "falling": "falling scores",
    "attempts": "many failed attempts",
}


@dataclass(frozen=True)
class RiskReason:
    rule: str  # a key of RULES
    text: str  # the facts, e.g. "due in 20 h, no submission"
    assignment: Assignment | None = None

    @property
    def rule_label(self) -> str:
        return RULES[self.rule]


@dataclass
class AtRiskStudent:
    enrolment: Enrolment
    reasons: list[RiskReason] = field(default_factory=list)

    @property
    def rules(self) -> list[str]:
        """The rules that fired, each once, in the order of RULES."""
        fired = {reason.rule for reason in self.reasons}
        return [label for rule, label in RULES.items() if rule in fired]


@dataclass(frozen=True)
class _Tries:
    total: int  # every submission, whatever became of it
    graded: int  # scored, and not "could not be loaded"
    full: int  # graded with full marks
    best: Decimal | None


def at_risk(cohort: Cohort, now: datetime | None = None) -> list[AtRiskStudent]:
    """The cohort's students with at least one reason, most reasons first."""
    now = now or timezone.now()
    students = list(
        Enrolment.objects.filter(cohort=cohort, role=Role.STUDENT).select_related("user").order_by("user__username")
    )
    assignments = list(Assignment.objects.filter(cohort=cohort).select_related("exercise", "exercise_version"))
    if not students or not assignments:
        return []
    extended = {
        (student, assignment_id): due
        for assignment_id, student, due in Extension.objects.filter(assignment__cohort=cohort).values_list(
            "assignment_id", "student_id", "due_at"
        )
    }
    tries = _tries(cohort)
    cells = counted_scores(assignments, include_unreleased=True)
    rows = []
    for enrolment in students:
        student = enrolment.user_id
        dues = {a.pk: max(a.due_at, extended.get((student, a.pk), a.due_at)) for a in assignments}
        reasons = [
            *_missing(assignments, dues, student, tries, now),
            *_falling(assignments, dues, student, cells, now),
            *_attempts(assignments, dues, student, tries, now),
        ]
        if reasons:
            rows.append(AtRiskStudent(enrolment, reasons))
    rows.sort(key=lambda row: (-len(row.reasons), -len(row.rules), row.enrolment.user.get_username()))
    return rows


def _tries(cohort: Cohort) -> dict[tuple[int, int], _Tries]:
    """(student, assignment) -> their submissions counted, in one grouped query."""
    not_loaded = GradingRun.objects.filter(submission=OuterRef("pk"), status=RunStatus.NOT_GRADABLE)
    graded = ~Exists(not_loaded) & Q(score__isnull=False)
    rows = (
        Submission.objects.filter(assignment__cohort=cohort)
        .values("student_id", "assignment_id")
        .annotate(
            total=Count("pk"),
            graded=Count("pk", filter=graded),
            full=Count("pk", filter=graded & Q(max_score__gt=0, score__gte=F("max_score"))),
            best=Max("score", filter=graded),
        )
        .order_by()
    )
    return {
        (row["student_id"], row["assignment_id"]): _Tries(row["total"], row["graded"], row["full"], row["best"])
        for row in rows
    }


def _missing(
    assignments: list[Assignment], dues: dict[int, datetime], student: int, tries: dict[tuple[int, int], _Tries],
    now: datetime,
) -> list[RiskReason]:
    horizon = now + settings.GRADIENT_AT_RISK_DUE_HOURS * HOUR
    reasons = []
    for assignment in assignments:
        due = dues[assignment.pk]
        if assignment.opens_at > now or due > horizon or (student, assignment.pk) in tries:
            continue
        if due >= now:
            text = f"due in {max(1, math.ceil((due - now) / HOUR))} h, no submission"
        elif now - due < DAY:
            text = f"{max(1, (now - due) // HOUR)} h past due, no submission"
        else:
            days = (now - due) // DAY
            text = f"{days} day{'s' if days != 1 else ''} past due, no submission"
        reasons.append(RiskReason("missing", f"{assignment.exercise.title}: {text}", assignment))
    return reasons


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def _falling(
    assignments: list[Assignment], dues: dict[int, datetime], student: int,
    cells: dict[tuple[int, int], GradebookCell], now: datetime,
) -> list[RiskReason]:
    """Only assignments already due count: the score of one still open may yet rise."""
    scores: list[tuple[Assignment, Decimal]] = []
    for assignment in assignments:  # by due date (Assignment's ordering)
        cell = cells.get((student, assignment.pk))
        full = assignment.max_score
        if cell is None or cell.score is None or full <= 0 or dues[assignment.pk] > now:
            continue
        scores.append((assignment, cell.score / full))
    fractions = [fraction for _, fraction in scores]
    if len(fractions) >= 3 and fractions[-3] > fractions[-2] > fractions[-1]:
        text = "scores " + " → ".join(_percent(f) for f in fractions[-3:])
        return [RiskReason("falling", text, scores[-1][0])]
    if len(fractions) >= 2:
        earlier = sum(fractions[:-1], Decimal(0)) / (len(fractions) - 1)
        if fractions[-1] < earlier / 2:
            text = f"latest {_percent(fractions[-1])} ({scores[-1][0].exercise.title}), earlier average {_percent(earlier)}"
            return [RiskReason("falling", text, scores[-1][0])]
    return []


def _attempts(
    assignments: list[Assignment], dues: dict[int, datetime], student: int, tries: dict[tuple[int, int], _Tries],
    now: datetime,
) -> list[RiskReason]:
    reasons = []
    for assignment in assignments:
        counted = tries.get((student, assignment.pk))
        if counted is None or counted.graded < settings.GRADIENT_AT_RISK_FAILED_ATTEMPTS or counted.full:
            continue
        cutoff = assignment.hard_cutoff_at
        if cutoff is not None:
            cutoff = max(cutoff, dues[assignment.pk])  # an extension moves the cut-off (courses.selectors)
        if assignment.opens_at > now or (cutoff is not None and now > cutoff):
            continue  # takes no more work: nothing left to help with
        best = format_points(counted.best if counted.best is not None else 0)
        full = format_points(assignment.exercise_version.max_score)
        text = f"{assignment.exercise.title}: {counted.graded} attempts, best {best}/{full}"
        reasons.append(RiskReason("attempts", text, assignment))
    return reasons

