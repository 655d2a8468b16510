"""What makes a score owed to an LMS again (lti.passback.owe), connected in LtiConfig.ready:

- grading.signals.score_changed: a result committed (first grading or regrade), a submission changed by hand;
- an extension given, changed or taken back (the late penalty and the release date follow it);
- an assignment saved (its due date, late penalty, cut-off, score policy, feedback rule or released marks may
  have changed): every student's score;
- a grace-day bank changed (a cohort's days, a student's adjustment), or a score changed for a student with a
  bank: the student's (or everyone's) scores on every assignment of the cohort, since the days are charged in
  turn (grading/grace_days.py).

Each runs once the transaction that changed things has committed; sending is a Celery task (lti.tasks).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from courses.grace_banks import grace_bank_changed
from courses.models import Assignment, Enrolment, Extension
from grading.signals import score_changed
from lti import passback


def _score_changed(sender: Any, *, assignment_id: int, student_id: int, **kwargs: Any) -> None:
    for affected in _grace_linked(assignment_id, student_id):
        passback.owe(assignment_id=affected, student_ids=[student_id])


def _grace_linked(assignment_id: int, student_id: int) -> list[int]:
    """The assignments whose score may follow a change on ``assignment_id``: itself, and where the student
    has a grace-day bank, every assignment of the cohort (grading/grace_days.py charges them in turn)."""
    cohort_id = Assignment.objects.filter(pk=assignment_id).values_list("cohort_id", flat=True).first()
    if cohort_id is None:
        return [assignment_id]
    enrolment = Enrolment.objects.filter(cohort_id=cohort_id, user_id=student_id).select_related("cohort").first()
    if enrolment is None or enrolment.grace_days_total <= 0:
        return [assignment_id]
    return list(Assignment.objects.filter(cohort_id=cohort_id).values_list("pk", flat=True))


def _bank_changed(sender: Any, *, cohort_id: int, student_id: int | None, **kwargs: Any) -> None:
    """A grace-day bank changed (courses.grace_banks, sent after commit): the scores of every assignment of
    the cohort may follow, for that student or for everyone."""
    for assignment_id in Assignment.objects.filter(cohort_id=cohort_id).values_list("pk", flat=True):
        passback.owe(assignment_id=assignment_id, student_ids=None if student_id is None else [student_id])


def _extension_changed(sender: Any, instance: Extension, **kwargs: Any) -> None:
    assignment_id, student_id = instance.assignment_id, instance.student_id

    def owe() -> None:
        for affected in _grace_linked(assignment_id, student_id):
            passback.owe(assignment_id=affected, student_ids=[student_id])

    transaction.on_commit(owe)


def _assignment_saved(sender: Any, instance: Assignment, created: bool, **kwargs: Any) -> None:
    if created:
        return  # no scores yet
    assignment_id, cohort_id = instance.pk, instance.cohort_id

    def owe() -> None:
        # With grace-day banks in the cohort, a new due date or penalty can move days between assignments.
        banks = Enrolment.objects.filter(cohort_id=cohort_id).filter(
            Q(cohort__grace_days__gt=0) | ~Q(grace_days_adjust=0)
        )
        affected = [assignment_id]
        if banks.exists():
            affected = list(Assignment.objects.filter(cohort_id=cohort_id).values_list("pk", flat=True))
        for one in affected:
            passback.owe(assignment_id=one)

    transaction.on_commit(owe)


def connect() -> None:
    score_changed.connect(_score_changed, dispatch_uid="lti.score_changed")
    post_save.connect(_extension_changed, sender=Extension, dispatch_uid="lti.extension_saved")
    post_delete.connect(_extension_changed, sender=Extension, dispatch_uid="lti.extension_deleted")
    post_save.connect(_assignment_saved, sender=Assignment, dispatch_uid="lti.assignment_saved")
    grace_bank_changed.connect(_bank_changed, dispatch_uid="lti.grace_bank_changed")
