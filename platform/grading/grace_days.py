"""Grace days: a bank of days per student and cohort (the cohort's ``grace_days`` plus the student's
``grace_days_adjust``) that covers late work automatically, as an extension of that student's due date by
whole days. The cut-off does not move.

The rule (docs/roles.md, "Grace days"): the cohort's assignments are charged in the order of their due dates;
each is charged the started days its latest scored submission is late (beyond any extension), up to what is
left in the bank. An assignment without a late penalty costs nothing late, so it is never charged.

The charge is computed here from the submissions, never stored: a regrade, a deleted submission or a changed
bank can never leave a stale balance. grading.gradebook.counted_scores adds the charged days to each student's
due date, so the late penalty, the gradebook, its CSV and the LMS passback all follow. A fixed number of
queries for a whole cohort (three at most; one when nobody has a bank).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F

from courses.models import Assignment, Cohort, Enrolment, Extension, Role
from courses.selectors import days_late
from grading.models import RunStatus, Submission


@dataclass
class GraceBank:
    """One student's grace days in one cohort."""

    total: int
    used: dict[int, int] = field(default_factory=dict)  # assignment id -> days charged

    @property
    def used_total(self) -> int:
        return sum(self.used.values())

    @property
    def left(self) -> int:
        return self.total - self.used_total


def grace_banks(cohort_ids: Collection[int], student_ids: Iterable[int] | None = None) -> dict[tuple[int, int], GraceBank]:
    """(cohort id, student id) -> the bank and its charges, for the students (all of them: None) of the
    cohorts who have a bank at all (its total above zero)."""
    enrolments = Enrolment.objects.filter(cohort_id__in=list(cohort_ids), role=Role.STUDENT)
    if student_ids is not None:
        enrolments = enrolments.filter(user_id__in=list(student_ids))
    totals = enrolments.annotate(total=F("cohort__grace_days") + F("grace_days_adjust")).filter(total__gt=0)
    banks = {(cohort_id, user_id): GraceBank(total) for cohort_id, user_id, total in totals.values_list("cohort_id", "user_id", "total")}
    if not banks:
        return banks
    holders = list({user_id for _, user_id in banks})
    # Each student's latest scored submission per assignment that charges lateness (as counted_scores reads
    # submissions: one that could not be loaded is not a result).
    latest = (
        Submission.objects.filter(
            assignment__cohort_id__in=list(cohort_ids), student_id__in=holders, assignment__late_penalty_per_day__gt=0
        )
        .exclude(score__isnull=True)
        .exclude(runs__status=RunStatus.NOT_GRADABLE)
        .order_by("student_id", "assignment_id", "-created_at", "-pk")
        .distinct("student_id", "assignment_id")
        .values_list("student_id", "assignment_id", "created_at", "assignment__cohort_id", "assignment__due_at")
    )
    extended = {
        (student, assignment_id): due
        for assignment_id, student, due in Extension.objects.filter(
            assignment__cohort_id__in=list(cohort_ids), student_id__in=holders
        ).values_list("assignment_id", "student_id", "due_at")
    }
    owed: dict[tuple[int, int], list[tuple[datetime, int, int]]] = defaultdict(list)  # (due, assignment, days)
    for student, assignment_id, created_at, cohort_id, due_at in latest:
        due = max(due_at, extended.get((student, assignment_id), due_at))
        days = days_late(created_at, due)
        if days and (cohort_id, student) in banks:
            owed[(cohort_id, student)].append((due_at, assignment_id, days))
    for key, charges in owed.items():
        bank = banks[key]
        for _due, assignment_id, days in sorted(charges):  # by the assignment's due date, as Assignment orders
            charged = min(days, bank.left)
            if charged <= 0:
                break
            bank.used[assignment_id] = charged
    return banks


def grace_days_used(cohort: Cohort, student_ids: Iterable[int] | None = None) -> dict[tuple[int, int], int]:
    """(student id, assignment id) -> grace days charged, for the cohort's students (or those named)."""
    return _charged(grace_banks([cohort.pk], student_ids))


def grace_days_for(assignments: Iterable[Assignment], *, student_id: int | None = None) -> dict[tuple[int, int], int]:
    """(student id, assignment id) -> grace days charged, over the cohorts of ``assignments`` (every
    assignment of those cohorts, since an earlier one may have spent the bank)."""
    cohort_ids = {assignment.cohort_id for assignment in assignments}
    if not cohort_ids:
        return {}
    return _charged(grace_banks(cohort_ids, None if student_id is None else [student_id]))


def _charged(banks: dict[tuple[int, int], GraceBank]) -> dict[tuple[int, int], int]:
    return {
        (student, assignment_id): days
        for (_cohort, student), bank in banks.items()
        for assignment_id, days in bank.used.items()
    }
