"""Names and Role Provisioning: an LMS course's members into its cohort, with their roles (lti.roles).

People the LMS lists as Active are enrolled (new accounts for people never seen, keyed by the registration and
subject as at a launch) and their roles applied by the same rules as a launch: nobody is removed, and no role
changed by hand is changed back. People listed as Inactive or Deleted, and disabled accounts, are left as they
are (their enrolment and work stay; an instructor removes them by hand if they want).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import requests
from django.utils import timezone
from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService

from lti import lms
from lti.identities import AccountDisabled, user_for
from lti.models import ContextCohort, PlatformOptions
from lti.roles import apply_role, map_roles


@dataclass
class RosterSync:
    members: int = 0  # Active members the LMS listed
    enrolled: int = 0  # of them, now in the cohort
    skipped: int = 0  # inactive, or with no role of ours

    def __str__(self) -> str:
        return f"{self.members} active members, {self.enrolled} enrolled, {self.skipped} left out"


def sync(context_cohort_id: int) -> RosterSync:
    link = ContextCohort.objects.select_related("context__deployment__registration", "cohort").get(
        pk=context_cohort_id
    )
    context = link.context
    registration = context.deployment.registration
    result = RosterSync()
    if not context.memberships_url:
        return result
    options = PlatformOptions.objects.filter(registration=registration).first()
    try:
        service = NamesRolesProvisioningService(
            lms.connector(registration), {"context_memberships_url": context.memberships_url}
        )
        members: list[dict[str, Any]] = cast(list[dict[str, Any]], service.get_members())
    except (LtiException, requests.RequestException, ValueError, KeyError) as exc:
        raise lms.ServiceFailed(f"the roster could not be read from the LMS: {exc}") from exc
    for member in members:
        if member.get("status", "Active") != "Active" or not member.get("user_id"):
            result.skipped += 1
            continue
        result.members += 1
        roles = [r for r in member.get("roles") or [] if isinstance(r, str)]
        role = map_roles(roles)
        try:
            user = user_for(
                registration=registration, subject=str(member["user_id"]), claims=member,
                trust_emails=bool(options and options.link_verified_emails),
            )
        except AccountDisabled:
            result.skipped += 1  # a disabled account: left as it is, as at a launch
            continue
        if apply_role(cohort=link.cohort, user=user, role=role, lms_roles=roles, actor=None,
                      reason="LMS roster sync") is None:
            result.skipped += 1
        else:
            result.enrolled += 1
    ContextCohort.objects.filter(pk=link.pk).update(roster_synced_at=timezone.now())
    return result
