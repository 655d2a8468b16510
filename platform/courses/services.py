"""Rules of assignments (who may submit and until when, what lateness costs) and pinning (enrolment from a
roster: courses.roster).

What depends on submissions (attempts used, scores, leaderboards) is grading's: this app knows nothing of it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.urls import reverse

from audit import services as audit
from catalog.models import ExerciseVersion
from core.errors import UserError
from core.points import format_points
from core.users import User
from courses.models import Assignment, Enrolment, Extension, Role
from courses.roles import is_instructor
from courses.selectors import effective_cutoff, exercises_assignable, is_cohort_staff
from notices.models import NoticeKind
from notices.services import notify


class AssignmentClosed(UserError):
    """The student may not submit to this assignment now; the message says why."""

    field = "assignment"


def assignment_check_open(*, assignment: Assignment, student: User, now: datetime) -> None:
    """Refuse unless the student is enrolled and the assignment takes work now. Call inside the submission's
    transaction: it locks the enrolment row, so that two uploads at once are counted one after the other."""
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


def assignment_pin(
    *, assignment: Assignment, version: ExerciseVersion, actor: User | None = None
) -> ExerciseVersion | None:
    """Grade the assignment's later submissions with ``version`` (one of its exercise's versions; Assignment
    refuses another's), recorded in the audit log (``actor`` None: a command such as regrade). Returns the
    version it had before, or None when it was pinned to this one already."""
    previous = assignment.exercise_version
    if previous.pk == version.pk:
        return None
    assignment.exercise_version = version
    assignment.save(update_fields=["exercise_version"])
    audit.record(
        actor=actor, cohort_id=assignment.cohort_id, action="assignment.pin", target=str(assignment),
        before={"exercise_version_id": previous.pk, "grader": previous.short_hash},
        after={"exercise_version_id": version.pk, "grader": version.short_hash},
    )
    return previous


RULE_FIELDS = (
    "exercise_id", "exercise_version_id", "opens_at", "due_at", "hard_cutoff_at", "late_penalty_per_day",
    "attempts_per_day", "attempts_cap", "feedback_visibility", "score_policy", "manual_max_points", "combine_rule",
)


def assignment_rules(assignment: Assignment) -> dict[str, object]:
    """The assignment's rules as JSON values (the audit log's before and after)."""
    rules: dict[str, object] = {}
    for name in RULE_FIELDS:
        value = getattr(assignment, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = format_points(value)
        rules[name] = value
    return rules


class NotInstructor(UserError):
    status = 403


@transaction.atomic
def assignment_save(*, actor: User, assignment: Assignment, before: dict[str, object] | None) -> Assignment:
    """Save an assignment an instructor created (``before`` None) or edited (``before``: its rules as they
    were), with an audit record of what changed, in one transaction."""
    if not is_instructor(actor, assignment.cohort_id):
        raise NotInstructor("Only the cohort's instructors create assignments or change their rules.")
    if not exercises_assignable(user=actor, cohort=assignment.cohort).filter(pk=assignment.exercise_id).exists():
        raise UserError("This exercise is not available to your course.", field="exercise", status=403)
    assignment.full_clean()
    assignment.save()
    after = assignment_rules(assignment)
    if before is None:
        audit.record(actor=actor, cohort_id=assignment.cohort_id, action="assignment.create", target=str(assignment), after=after)
    else:
        old, new = audit.changed_fields(before, after)
        if new:
            audit.record(
                actor=actor, cohort_id=assignment.cohort_id, action="assignment.update", target=str(assignment),
                before=old, after=new,
            )
    return assignment


def _extension_terms(extension: Extension | None) -> dict[str, object] | None:
    if extension is None:
        return None
    return {"due_at": extension.due_at.isoformat(), "extra_attempts": extension.extra_attempts}


@transaction.atomic
def extension_grant(
    *, actor: User, assignment: Assignment, student: User, due_at: datetime, extra_attempts: int, reason: str
) -> Extension:
    """Give one student of the assignment's cohort a later due date and/or extra attempts (replacing any
    extension they had), with the reason, recorded in the audit log. Any of the cohort's staff may."""
    if not is_cohort_staff(actor, assignment.cohort_id):
        raise NotInstructor("Only the cohort's staff grant extensions.")
    if not Enrolment.objects.filter(cohort_id=assignment.cohort_id, user=student, role=Role.STUDENT).exists():
        raise UserError(f"{student.get_username()} is not a student of this cohort.", field="student")
    if not reason.strip():
        raise UserError("Give a reason: the student and the other staff see why.", field="reason")
    if due_at < assignment.due_at and not extra_attempts:
        raise UserError(
            "An extension gives more time or more attempts: this due date is before the assignment's own.",
            field="due_at",
        )
    current = Extension.objects.select_for_update().filter(assignment=assignment, student=student).first()
    before = _extension_terms(current)
    extension, _ = Extension.objects.update_or_create(
        assignment=assignment,
        student=student,
        defaults={
            "due_at": max(due_at, assignment.due_at), "extra_attempts": extra_attempts, "reason": reason.strip(),
            "granted_by": actor,
        },
    )
    audit.record(
        actor=actor, cohort_id=assignment.cohort_id, action="extension.grant",
        target=f"{student.get_username()} on {assignment}", before=before, after=_extension_terms(extension),
        reason=reason.strip(),
    )
    terms = [f"due {extension.due_at:%Y-%m-%d %H:%M} UTC"] + (
        [f"{extension.extra_attempts} extra attempt{'s' if extension.extra_attempts != 1 else ''}"]
        if extension.extra_attempts else []
    )
    notify(
        [student], NoticeKind.EXTENSION, f"Extension on {assignment.exercise.title}: {', '.join(terms)}",
        f"Your course staff gave you an extension on {assignment.exercise.title}: {', '.join(terms)}.\n"
        f"Reason: {extension.reason}",
        reverse("assignment", args=[assignment.pk]),
    )
    return extension


@transaction.atomic
def extension_revoke(*, actor: User, extension: Extension, reason: str) -> None:
    assignment = extension.assignment
    if not is_cohort_staff(actor, assignment.cohort_id):
        raise NotInstructor("Only the cohort's staff withdraw extensions.")
    audit.record(
        actor=actor, cohort_id=assignment.cohort_id, action="extension.revoke",
        target=f"{extension.student.get_username()} on {assignment}", before=_extension_terms(extension),
        reason=reason.strip(),
    )
    extension.delete()
    notify(
        [extension.student_id], NoticeKind.EXTENSION, f"Your extension on {assignment.exercise.title} was withdrawn",
        f"The assignment's own rules apply to you again: due {assignment.due_at:%Y-%m-%d %H:%M} UTC."
        + (f"\nReason: {reason.strip()}" if reason.strip() else ""),
        reverse("assignment", args=[assignment.pk]),
    )
