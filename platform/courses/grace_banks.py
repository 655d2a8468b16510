"""Grace-day banks as staff set them: the cohort's days per student (its instructors) and one student's
adjustment with a reason (any of its staff). Each change and its audit row are written in one transaction.
What the banks are spent on is computed from the submissions: grading/grace_days.py."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from audit import services as audit
from core.errors import UserError
from core.users import User
from courses.models import Cohort, Enrolment, Role
from courses.roles import is_instructor
from courses.selectors import is_cohort_staff

MAX_GRACE_DAYS = 365

# Sent once a bank's change has committed, for the layers above (lti re-sends the scores that may follow).
grace_bank_changed = Signal()  # kwargs: cohort_id: int, student_id: int | None (None: every student)


def _announce(cohort_id: int, student_id: int | None) -> None:
    transaction.on_commit(
        lambda: grace_bank_changed.send(sender=None, cohort_id=cohort_id, student_id=student_id)
    )


class GraceDaysRefused(UserError):
    status = 403


@transaction.atomic
def cohort_grace_days_set(*, actor: User, cohort: Cohort, days: int) -> Cohort:
    """Give every student of the cohort a bank of ``days`` grace days (0: none), an instructor's decision."""
    if not is_instructor(actor, cohort.pk):
        raise GraceDaysRefused("Only the cohort's instructors set its grace days.")
    if not 0 <= days <= MAX_GRACE_DAYS:
        raise UserError(f"Give a whole number of days from 0 to {MAX_GRACE_DAYS}.", field="grace_days")
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if locked.grace_days != days:
        audit.record(
            actor=actor, cohort_id=cohort.pk, action="cohort.grace_days", target=str(cohort),
            before={"grace_days": locked.grace_days}, after={"grace_days": days},
        )
        Cohort.objects.filter(pk=cohort.pk).update(grace_days=days)
        _announce(cohort.pk, None)
    cohort.grace_days = days
    return cohort


@transaction.atomic
def grace_days_adjust(*, actor: User, cohort: Cohort, student: User, adjust: int, reason: str) -> Enrolment:
    """Set one student's adjustment to the cohort's grace days (``adjust`` days more, or fewer when
    negative), with the reason; any of the cohort's staff may. The bank never goes below zero."""
    if not is_cohort_staff(actor, cohort.pk):
        raise GraceDaysRefused("Only the cohort's staff adjust grace days.")
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("cohort")
        .filter(cohort=cohort, user=student, role=Role.STUDENT)
        .first()
    )
    if enrolment is None:
        raise UserError(f"{student.get_username()} is not a student of this cohort.", field="student")
    reason = reason.strip()
    if not reason:
        raise UserError("Give a reason: the other staff see why.", field="reason")
    if not -MAX_GRACE_DAYS <= adjust <= MAX_GRACE_DAYS:
        raise UserError(f"Give a whole number of days from -{MAX_GRACE_DAYS} to {MAX_GRACE_DAYS}.", field="adjust")
    if enrolment.cohort.grace_days + adjust < 0:
        raise UserError(
            f"The cohort gives {enrolment.cohort.grace_days} grace days: an adjustment below "
            f"-{enrolment.cohort.grace_days} would leave a negative bank.",
            field="adjust",
        )
    before = {"grace_days_adjust": enrolment.grace_days_adjust}
    enrolment.grace_days_adjust, enrolment.grace_days_reason = adjust, reason[:1000]
    enrolment.save(update_fields=["grace_days_adjust", "grace_days_reason"])
    audit.record(
        actor=actor, cohort_id=cohort.pk, action="enrolment.grace_days", target=f"{student.get_username()} in {cohort}",
        before=before, after={"grace_days_adjust": adjust}, reason=reason,
    )
    if before["grace_days_adjust"] != adjust:
        _announce(cohort.pk, student.pk)
    return enrolment
