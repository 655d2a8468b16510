"""Rules of assignments (who may submit and until when, what lateness costs), pinning, and enrolment.

What depends on submissions (attempts used, scores, leaderboards) is grading's: this app knows nothing of it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import ExerciseVersion
from core.errors import UserError
from core.users import User
from courses.models import Assignment, Cohort, Enrolment, Role
from courses.selectors import effective_cutoff


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


def assignment_pin(*, assignment: Assignment, version: ExerciseVersion) -> ExerciseVersion | None:
    """Grade the assignment's later submissions with ``version`` (one of its exercise's versions; Assignment
    refuses another's). Returns the version it had before, or None when it was pinned to this one already."""
    previous = assignment.exercise_version
    if previous.pk == version.pk:
        return None
    assignment.exercise_version = version
    assignment.save(update_fields=["exercise_version"])
    return previous


@dataclass
class RosterResult:
    """What a roster upload did. ``without_email``: the user names of its lines whose account has neither a
    password nor an email, so nobody can sign in to them until someone gives the account an email."""

    enrolled: int = 0
    users_created: int = 0
    without_email: list[str] = field(default_factory=list)


@transaction.atomic
def enrol_from_csv(*, cohort: Cohort, text: str) -> RosterResult:
    """Bulk enrolment: CSV with a header `username,email,role[,pseudonym]`; users are created if new, with the
    line's email and an unusable password: each sets a password with the reset mail ("Forgot your password?"
    on the sign-in page) sent to that email. An existing user's email is never changed here (an address
    nobody verified must not take over an account). All rows or none."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"username", "role"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"the CSV needs the columns username and role (missing: {', '.join(sorted(missing))})")
    users = get_user_model()
    result = RosterResult()
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
            result.users_created += 1
        if not user.email and not user.has_usable_password():
            result.without_email.append(username)
        # Re-uploading a roster must not wipe the pseudonym a student chose: only a given one replaces it.
        pseudonym = (row.get("pseudonym") or "").strip()
        Enrolment.objects.update_or_create(
            cohort=cohort, user=user, defaults={"role": role, **({"pseudonym": pseudonym} if pseudonym else {})}
        )
        result.enrolled += 1
    return result
