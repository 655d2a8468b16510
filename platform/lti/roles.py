"""LMS roles to ours, and how a launch or a roster sync applies them to an enrolment.

The mapping (docs/lti.md repeats it), on the context (membership) roles only; institution and system roles
(an LMS-wide administrator, say) give no rights in a course:

    membership#Administrator                                   -> instructor
    membership#Instructor                                      -> instructor
      ... with only TeachingAssistant or Grader sub-roles
          (membership/Instructor#TeachingAssistant)            -> teaching assistant
    membership#TeachingAssistant (sent by some LMSs)           -> teaching assistant
    membership#ContentDeveloper                                -> teaching assistant
    membership#Learner (and its sub-roles)                     -> student
    Mentor, Manager, Member, Officer, anything else            -> none: not enrolled

Several roles: the highest counts (instructor > teaching assistant > student). The LTI 1.1 short names
("Instructor", "Learner", "TeachingAssistant", "ContentDeveloper", "Administrator") and their
``urn:lti:role:ims/lis/...`` forms count the same.

Applying it never removes an enrolment. The LMS changes, up or down, only a role that it wrote itself and nobody
changed since (LmsRole.applied): a role an instructor changed by hand after the LMS set it (a demotion, say) is
never changed by the LMS again. An enrolment the LMS never wrote (made in Gradient) it may only raise, once;
from then on the role is the LMS's. Every enrolment and role it writes is in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from audit import services as audit
from core.users import User
from courses.models import Cohort, Enrolment, Role
from lti.models import LmsRole

RANK = {"": 0, Role.STUDENT: 1, Role.TA: 2, Role.INSTRUCTOR: 3}
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
ASSISTANT_SUBROLES = {"TeachingAssistant", "Grader"}


def _parts(uri: str) -> tuple[str, str] | None:
    """(principal role, sub-role or "") of a context role; None for an institution or system role."""
    uri = uri.strip()
    if uri.startswith(MEMBERSHIP + "#"):
        return uri[len(MEMBERSHIP) + 1:], ""
    if uri.startswith(MEMBERSHIP + "/"):
        principal, _, sub = uri[len(MEMBERSHIP) + 1:].partition("#")
        return principal, sub
    if uri.startswith("urn:lti:role:ims/lis/"):
        principal, _, sub = uri[len("urn:lti:role:ims/lis/"):].partition("/")
        return principal, sub
    if uri.startswith(("http://", "https://", "urn:")):
        return None  # institution, system or unknown vocabularies
    return uri, ""  # an LTI 1.1 short name


def map_roles(uris: Iterable[str]) -> str:
    """Our role for the LMS's role URIs: a Role value, or "" for none (not to be enrolled)."""
    principals: set[str] = set()
    instructor_subroles: set[str] = set()
    for uri in uris:
        parts = _parts(uri)
        if parts is None:
            continue
        principal, sub = parts
        principals.add(principal)
        if principal == "Instructor" and sub:
            instructor_subroles.add(sub)
    if "Administrator" in principals:
        return Role.INSTRUCTOR
    if "Instructor" in principals:
        if instructor_subroles and instructor_subroles <= ASSISTANT_SUBROLES:
            return Role.TA
        return Role.INSTRUCTOR
    if principals & {"TeachingAssistant", "ContentDeveloper"}:
        return Role.TA
    if "Learner" in principals:
        return Role.STUDENT
    return ""


@transaction.atomic
def apply_role(
    *, cohort: Cohort, user: User, role: str, lms_roles: list[str], actor: User | None, reason: str
) -> Enrolment | None:
    """Enrol ``user`` in ``cohort`` as the LMS says (``role`` from map_roles), within the rules above. Returns
    the enrolment (None when the user has none and the LMS gives no role). ``actor``: who the audit log names
    (the launching person; None for a roster sync); ``reason``: what applied it (a launch, a sync)."""
    target = f"{user.get_username()} in {cohort}"
    enrolment = Enrolment.objects.select_for_update().filter(cohort=cohort, user=user).first()
    if enrolment is None:
        if not role:
            return None
        enrolment = Enrolment.objects.create(cohort=cohort, user=user, role=role)
        LmsRole.objects.create(enrolment=enrolment, says=role, applied=role, lms_roles=lms_roles)
        audit.record(actor=actor, cohort_id=cohort.pk, action="enrolment.add", target=target,
                     after={"role": role}, reason=reason)
        return enrolment
    record = LmsRole.objects.select_for_update().filter(enrolment=enrolment).first()
    applied = record.applied if record is not None else ""
    written_by_lms = applied == enrolment.role  # else changed by hand since, or never the LMS's ("")
    never_by_lms = not applied
    if role and role != enrolment.role and (written_by_lms or (never_by_lms and RANK[role] > RANK[enrolment.role])):
        audit.record(actor=actor, cohort_id=cohort.pk, action="enrolment.role", target=target,
                     before={"role": enrolment.role}, after={"role": role}, reason=reason)
        enrolment.role = role
        enrolment.save(update_fields=["role"])
        applied = role
    LmsRole.objects.update_or_create(
        enrolment=enrolment, defaults={"says": role or "", "applied": applied, "lms_roles": lms_roles}
    )
    return enrolment
