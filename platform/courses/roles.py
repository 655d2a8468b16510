"""Who may change whom in a cohort: instructor above teaching assistant above student.

- Only instructors enrol staff, change anyone's role, or change an assignment's rules.
- Teaching assistants enrol students (new enrolments only) and see the staff pages.
- Nobody changes their own role, not even an instructor (so a cohort cannot lose its last instructor by a slip).
- Site administrators (``is_staff``) act as instructors of every cohort; that global right belongs to them alone,
  never to an instructor because of a cohort role.
"""

from __future__ import annotations

from core.users import User
from courses.models import Enrolment, Role

RANK = {Role.STUDENT: 0, Role.TA: 1, Role.INSTRUCTOR: 2}


def cohort_role(user: User, cohort_id: int) -> Role | None:
    """The role ``user`` acts with in the cohort: site administrators act as instructors; None: not a member."""
    if user.is_staff:
        return Role.INSTRUCTOR
    role = Enrolment.objects.filter(cohort_id=cohort_id, user=user).values_list("role", flat=True).first()
    return Role(role) if role else None


def is_instructor(user: User, cohort_id: int) -> bool:
    return cohort_role(user, cohort_id) == Role.INSTRUCTOR


def enrolment_refusal(
    *, actor_role: Role | None, actor_is_target: bool, current: Role | None, wanted: Role
) -> str | None:
    """Why an actor with ``actor_role`` may not give someone (now ``current``, None: not enrolled) the role
    ``wanted``; None when they may. Leaving a role as it is is always allowed to staff."""
    if actor_role not in (Role.TA, Role.INSTRUCTOR):
        return "only the cohort's staff enrol people"
    if current == wanted:
        return None
    if actor_is_target:
        return f"nobody changes their own role (you are {Role(current).label.lower() if current else 'not enrolled'})"
    if actor_role == Role.INSTRUCTOR:
        return None
    if wanted != Role.STUDENT:
        return "only instructors enrol teaching assistants and instructors"
    if current is None:
        return None  # a teaching assistant enrols a new student
    return "only instructors change the role of someone already enrolled"
