"""Ways into a cohort as a student: join codes (a code and a link anyone holding it may use), personal
invitations (a link mailed to one address, one use), and a course's open sign-up.

A way in only ever enrols a *student*: staff are enrolled by instructors. Joining a cohort one is already in
changes nothing (a member keeps their role; no use of the invitation is counted). Joins and every change of
a course's open sign-up are written to the audit log, like the other roster changes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from audit import services as audit
from core.errors import UserError
from core.users import User
from courses.models import Cohort, Course, Enrolment, Invitation, Role
from courses.roles import is_instructor

# No 0/O, 1/I/L: a code read off a projector or a slide is typed back without guessing.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # about 50 bits: guessing is further held back by a limit on misses (web/invitations.py)
PERSONAL_LENGTH = 32  # mailed, never typed
PERSONAL_VALID = timedelta(days=14)
MAX_EMAILS = 100  # addresses in one invitation request


class InvitationNotFound(UserError):
    status = 404


class InvitationGone(UserError):
    """A code that existed but no longer lets anyone in: withdrawn, expired or used up (HTTP 410 Gone)."""

    status = 410


class OnlyInstructors(UserError):
    status = 403


def normal_code(text: str) -> str:
    """A code as stored: upper case, without the spaces and dashes people type or paste with it."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def display_code(code: str) -> str:
    """A join code in two halves (ABCDE-FGHJK), as people read it out."""
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


def _random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_join_code(
    *, cohort: Cohort, by: User, expires_at: datetime | None = None, max_uses: int | None = None
) -> Invitation:
    if expires_at is not None and expires_at <= timezone.now():
        raise UserError("The end date is already past: choose one in the future.", field="expires_at")
    if max_uses is not None and max_uses < 1:
        raise UserError("A cap on uses is at least 1 (leave it empty for no cap).", field="max_uses")
    return Invitation.objects.create(
        cohort=cohort, code=_random_code(CODE_LENGTH), created_by=by, expires_at=expires_at, max_uses=max_uses
    )


def new_personal_invitation(*, cohort: Cohort, by: User, email: str) -> Invitation:
    """A link for one person, mailed to ``email`` (web/invitations.py sends it): one use, two weeks."""
    return Invitation.objects.create(
        cohort=cohort,
        code=_random_code(PERSONAL_LENGTH),
        email=email,
        created_by=by,
        expires_at=timezone.now() + PERSONAL_VALID,
        max_uses=1,
    )


def revoke(invitation: Invitation) -> None:
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def active_invitations(cohort: Cohort) -> list[Invitation]:
    """The cohort's invitations that still let someone in, newest first (what the staff page lists)."""
    now = timezone.now()
    return list(
        _usable(Invitation.objects.filter(cohort=cohort), now).select_related("created_by").order_by("-created_at")
    )


def _usable(invitations: QuerySet[Invitation], now: datetime) -> QuerySet[Invitation]:
    return invitations.filter(
        Q(revoked_at__isnull=True),
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")),
    )


def why_closed(invitation: Invitation, now: datetime | None = None) -> str | None:
    """The sentence that says why ``invitation`` lets nobody in any more, or None while it is open."""
    now = now or timezone.now()
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn by the course staff. Ask them for a new one."
    if invitation.expires_at is not None and invitation.expires_at <= now:
        return (
            f"This invitation expired on {invitation.expires_at:%d %B %Y at %H:%M} UTC. "
            "Ask the course staff for a new one."
        )
    if invitation.max_uses is not None and invitation.uses >= invitation.max_uses:
        if invitation.is_personal:
            return "This personal invitation was already used. Sign in with the account that used it."
        return "This invitation has been used as many times as it allows. Ask the course staff for a new one."
    return None


def find_open(code: str) -> Invitation:
    """The invitation with ``code`` that still lets someone in; InvitationNotFound or InvitationGone (with the
    reason) otherwise."""
    invitation = Invitation.objects.select_related("cohort__course").filter(code=normal_code(code)).first()
    if invitation is None:
        raise InvitationNotFound("No invitation has this code. Check it with your course staff.")
    reason = why_closed(invitation)
    if reason:
        raise InvitationGone(reason)
    return invitation


@dataclass(frozen=True)
class Joined:
    enrolment: Enrolment
    created: bool  # False: the user was already in the cohort (in whatever role), and nothing changed


def join(*, user: User, cohort: Cohort, invitation: Invitation | None = None) -> Joined:
    """Enrol ``user`` in ``cohort`` as a student through ``invitation`` (None: the course's open sign-up,
    which the caller checked). A use is counted in the same transaction, by a conditional update, so two
    people racing for an invitation's last use cannot both get in."""
    with transaction.atomic():
        existing = Enrolment.objects.select_for_update().filter(cohort=cohort, user=user).first()
        if existing is not None:
            return Joined(existing, created=False)
        if invitation is not None:
            counted = _usable(Invitation.objects.filter(pk=invitation.pk), timezone.now()).update(uses=F("uses") + 1)
            if not counted:
                invitation.refresh_from_db()
                raise InvitationGone(why_closed(invitation) or "This invitation no longer lets anyone in.")
        enrolment, created = Enrolment.objects.get_or_create(cohort=cohort, user=user, defaults={"role": Role.STUDENT})
        if created:
            if invitation is None:
                via = "open sign-up"
            else:
                via = "invitation" if invitation.is_personal else "code"
            audit.record(
                actor=user, cohort_id=cohort.pk, action="enrolment.join", target=f"{user.get_username()} in {cohort}",
                after={"role": Role.STUDENT.value, "via": via},
            )
        return Joined(enrolment, created=created)


def open_signup_cohort(course_slug: str) -> Cohort:
    """The cohort that ``course_slug``'s open sign-up joins; 404 when the course has none."""
    course = Course.objects.select_related("signup_cohort__course").filter(slug=course_slug).first()
    if course is None or course.signup_cohort is None:
        raise InvitationNotFound("This course does not take sign-ups. Ask its staff for an invitation.")
    return course.signup_cohort


def set_open_signup(*, cohort: Cohort, by: User, open_: bool) -> None:
    """Open the course's sign-up into ``cohort``, or close it. Instructors of the cohort (and site
    administrators) only: a course-wide rule, like the assignments'. Moving it away from another cohort of the
    course takes an instructor of that cohort too: an instructor of one cohort must not redirect the students
    who sign up for another's. Each change is recorded in the audit log."""
    if not is_instructor(by, cohort.pk):
        raise OnlyInstructors("Only the cohort's instructors open or close the course's sign-up.")
    with transaction.atomic():
        locked = Course.objects.select_for_update(of=("self",))  # two instructors at once: one after the other
        course = locked.select_related("signup_cohort__course").get(pk=cohort.course_id)
        holder = course.signup_cohort
        if open_:
            if holder is not None and holder.pk != cohort.pk and not is_instructor(by, holder.pk):
                raise OnlyInstructors(
                    f"The course's sign-up is open into another cohort, {holder.name}: only its instructors (or a "
                    "site administrator) may move it. Ask them to close it there first."
                )
            course.signup_cohort = cohort
        elif holder is not None and holder.pk == cohort.pk:
            course.signup_cohort = None
        if course.signup_cohort_id == (holder.pk if holder else None):
            return  # already so (or open into another cohort: closing this one changes nothing)
        course.save(update_fields=["signup_cohort"])
        audit.record(
            actor=by, cohort_id=cohort.pk, action="signup.open" if open_ else "signup.close",
            target=f"sign-up of {course.slug}",
            before={"signup_cohort": str(holder) if holder else None},
            after={"signup_cohort": str(cohort) if open_ else None},
        )
