"""A launch from an LMS: verify it (pylti1p3, through django-lti's registrations), refuse a replay, and turn it
into a signed-in person with the right role in the right cohort, headed for the right assignment.

Verification (pylti1p3's MessageLaunch.validate, plus what it leaves out):
- the OIDC state, from the cookie set at the login step (or a launch already accepted with this very token);
- the registration, by the token's issuer and audience (our client id): another issuer or client finds none;
- the signature, with the platform's key from its JWKS URL whose kid AND alg match the token's header: an
  HS256 token (signed with the public key as a secret) or an unsigned one finds no key;
- exp, iat and nonce present (PyJWT checks exp only where there is one; we require it), the nonce one that our
  login step issued, and never used before (UsedNonce: pylti1p3 alone would accept the same token again);
- the deployment id: one listed on the registration and active (an unknown one is recorded inactive by
  django-lti, for an administrator to activate, and refused until then);
- the message itself (resource link or deep linking request with their required claims);
- the person's account, if they have one here, not disabled.

A refused launch leaves nothing behind but its used nonce (and an unknown deployment, recorded inactive):
pylti1p3 stores a validated launch's claims before the checks that follow its own, so a refusal removes them
again; nothing of the person (django-lti's LtiUser, contexts, memberships) is stored before every check passed,
and arrive() writes users, identities, cohorts and enrolments in one transaction, all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from lti_tool.models import LtiContext, LtiLaunch, LtiRegistration
from lti_tool.utils import DjangoToolConfig, sync_data_from_launch
from pylti1p3.contrib.django.message_launch import DjangoMessageLaunch
from pylti1p3.contrib.django.request import DjangoRequest
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch

from core.errors import UserError
from core.users import User
from courses.models import Assignment, Cohort, Role
from lti.identities import existing_user, user_for
from lti.lms import ensure_key
from lti.models import ContextCohort, LineItem, PlatformOptions, ResourceLinkAssignment, UsedNonce
from lti.roles import apply_role, map_roles
from lti.storage import DatabaseLaunchStorage, FrameCookieService

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
CUSTOM_ASSIGNMENT = "gradient_assignment"  # the custom parameter our deep-linking responses put on a link
# The audience is checked by pylti1p3 itself (the registration is looked up by issuer AND client id = aud).
JWT_OPTIONS: dict[str, Any] = {"verify_aud": False, "require": ["exp", "iat", "sub", "nonce"]}


class LaunchRefused(UserError):
    """The launch could not be verified: nothing was stored, nobody was signed in."""

    status = 403


class NotSetUp(UserError):
    """The launch is genuine, but this course or link is not set up in Gradient yet."""

    status = 409


def message_launch(request: Any) -> DjangoMessageLaunch:
    """pylti1p3's launch object for this request, with our storage and frame-proof cookie."""
    return DjangoMessageLaunch(
        request,
        DjangoToolConfig(),
        cookie_service=FrameCookieService(DjangoRequest(request, post_only=True)),
        launch_data_storage=DatabaseLaunchStorage(),
    )


def verify(request: Any) -> LtiLaunch:
    """The verified launch of this POST (see the module's list), or LaunchRefused (AccountDisabled for a
    disabled account), with what pylti1p3 stored for it removed again."""
    ensure_key()  # the registration pylti1p3 builds carries the tool's key
    launch = message_launch(request).set_jwt_verify_options(dict(JWT_OPTIONS))
    try:
        launch.validate()
        claims = launch.get_launch_data()
    except LtiException as exc:
        raise LaunchRefused(f"This launch could not be verified: {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:  # a token whose claims have the wrong shapes
        raise LaunchRefused(f"This launch could not be verified: malformed claims ({exc}).") from exc
    try:
        lti_launch = _checked(launch, cast(dict[str, Any], claims))
    except UserError:
        _forget(request, launch)
        raise
    sync_data_from_launch(lti_launch)
    return lti_launch


def _checked(launch: MessageLaunch[Any, Any, Any, Any], claims: dict[str, Any]) -> LtiLaunch:
    """What pylti1p3's validate leaves out (the module's list), once it passed."""
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != launch.get_client_id():
        raise LaunchRefused("This launch could not be verified: its authorised party (azp) is not this tool.")
    try:
        with transaction.atomic():
            UsedNonce.objects.create(issuer=claims["iss"], nonce=str(claims["nonce"])[:255])
    except IntegrityError:
        raise LaunchRefused("This launch was already used: start it again from your course in the LMS.") from None
    lti_launch = LtiLaunch(launch)
    if not lti_launch.deployment.is_active:
        raise LaunchRefused(
            f"This LMS deployment ({lti_launch.deployment.deployment_id}) is not activated in Gradient: an "
            "administrator activates it in the admin (LTI registrations)."
        )
    registration: LtiRegistration = lti_launch.registration
    options = PlatformOptions.objects.filter(registration=registration).first()
    # A disabled account is refused before anything of the person is stored (AccountDisabled, a 403).
    existing_user(registration=registration, subject=str(claims["sub"]), claims=claims,
                  trust_emails=bool(options and options.link_verified_emails))
    return lti_launch


def _forget(request: Any, launch: MessageLaunch[Any, Any, Any, Any]) -> None:
    """Remove what pylti1p3's validate stored for a launch refused after it: the launch's claims, and the mark
    that lets this state and token pass the state check again."""
    storage = DatabaseLaunchStorage()
    storage.remove_value(launch.get_launch_id())
    state = request.POST.get("state")
    if state:
        storage.remove_value(f"{state}-id-token-hash")


@dataclass
class Arrival:
    """Who the launch signed in, where, and where they go next."""

    user: User
    cohort: Cohort
    role: str
    context: LtiContext
    assignment: Assignment | None  # None: a staff member must choose one (deep linking, or a new link)
    frame_origins: list[str]
    sync_roster: bool


def origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def frame_origins(registration: LtiRegistration, options: PlatformOptions | None, claims: dict[str, Any]) -> list[str]:
    """Who may frame the site for this person: the registered platform's own origins, the ones the options
    add, and the origin of the return URL its signed launch names."""
    presentation = claims.get(LTI + "launch_presentation") or {}
    found = [
        origin(registration.issuer),
        origin(registration.auth_url),
        origin(presentation.get("return_url") if isinstance(presentation, dict) else None),
        *(options.origins if options else []),
    ]
    return sorted({o for o in found if o})


@transaction.atomic
def arrive(lti_launch: LtiLaunch) -> Arrival:
    """Apply a verified launch: the person's account, their role in the course's cohort, the link's
    assignment and its gradebook column. NotSetUp when the course or the link still needs an instructor."""
    registration: LtiRegistration = lti_launch.registration
    options = PlatformOptions.objects.filter(registration=registration).first()
    claims: dict[str, Any] = lti_launch.get_launch_data()
    roles = [r for r in claims.get(LTI + "roles") or [] if isinstance(r, str)]
    role = map_roles(roles)
    if not (lti_launch.context_claim or {}).get("id"):
        raise NotSetUp("Gradient opens from within a course of your LMS: add it to a course there.")
    context: LtiContext = lti_launch.context
    user = user_for(
        registration=registration, subject=str(claims["sub"]), claims=claims,
        trust_emails=bool(options and options.link_verified_emails),
    )
    link = ContextCohort.objects.select_related("cohort").filter(context=context).first()
    if link is None:
        link = _link_new_context(context, options, role)
    enrolment = apply_role(cohort=link.cohort, user=user, role=role, lms_roles=roles, actor=user,
                           reason="LMS launch")
    if enrolment is None:
        raise NotSetUp("Your role in this LMS course gives you no place in its Gradient cohort.")
    every = timedelta(seconds=settings.LTI_ROSTER_SYNC_EVERY_S)
    stale = link.roster_synced_at is None or link.roster_synced_at < timezone.now() - every
    arrival = Arrival(
        user=user, cohort=link.cohort, role=enrolment.role, context=context, assignment=None,
        frame_origins=frame_origins(registration, options, claims),
        sync_roster=bool(claims.get(NRPS_CLAIM)) and stale,
    )
    if lti_launch.is_resource_launch:
        arrival.assignment = _assignment_of_link(lti_launch, link.cohort, enrolment.role)
        if arrival.assignment is not None:
            _record_line_item(claims, context, arrival.assignment)
    return arrival


def _link_new_context(context: LtiContext, options: PlatformOptions | None, role: str) -> ContextCohort:
    if options is None or options.course is None:
        raise NotSetUp(
            "This LMS course is not linked to a Gradient cohort yet: an administrator links it in the admin "
            "(LTI context cohorts), or sets a course for this LMS's new cohorts (LTI registrations)."
        )
    if role != Role.INSTRUCTOR:
        raise NotSetUp("This course is not set up in Gradient yet: your instructor opens it from the LMS first.")
    base = slugify(context.label or context.title or "lms-course")[:30] or "lms-course"
    slug, n = f"{base}-{context.pk}", 1
    while Cohort.objects.filter(course=options.course, slug=slug).exists():
        n += 1
        slug = f"{base}-{context.pk}-{n}"
    cohort = Cohort.objects.create(course=options.course, slug=slug, name=(context.title or context.label or slug)[:200])
    return ContextCohort.objects.create(context=context, cohort=cohort)


def _assignment_of_link(lti_launch: LtiLaunch, cohort: Cohort, role: str) -> Assignment | None:
    resource_link = lti_launch.resource_link
    mapped = ResourceLinkAssignment.objects.select_related("assignment").filter(resource_link=resource_link).first()
    if mapped is not None:
        if mapped.assignment.cohort_id != cohort.pk:
            raise NotSetUp("This link opens an assignment of another cohort: an instructor links it again.")
        return mapped.assignment
    wanted = str(lti_launch.get_custom_claim(CUSTOM_ASSIGNMENT) or "")
    if wanted.isdigit():
        assignment = Assignment.objects.filter(pk=int(wanted), cohort=cohort).first()
        if assignment is not None:
            ResourceLinkAssignment.objects.create(resource_link=resource_link, assignment=assignment)
            return assignment
    if role == Role.INSTRUCTOR:
        return None  # the instructor chooses it next
    raise NotSetUp("This link is not set up in Gradient yet: your instructor opens it from the LMS first.")


def _record_line_item(claims: dict[str, Any], context: LtiContext, assignment: Assignment) -> None:
    """The gradebook column the platform made for this link (the AGS claim's ``lineitem``), if it names one."""
    ags = claims.get(AGS_CLAIM) or {}
    url = ags.get("lineitem") if isinstance(ags, dict) else None
    if isinstance(url, str) and origin(url):
        LineItem.objects.update_or_create(context=context, assignment=assignment, defaults={"url": url})


def link_resource(*, lti_launch: LtiLaunch, assignment: Assignment) -> None:
    """An instructor chose the assignment a new link opens."""
    with transaction.atomic():
        ResourceLinkAssignment.objects.update_or_create(
            resource_link=lti_launch.resource_link, defaults={"assignment": assignment}
        )
        _record_line_item(lti_launch.get_launch_data(), lti_launch.context, assignment)


def restore(request: Any, launch_id: str) -> LtiLaunch:
    """A launch verified earlier in this session (deep linking's second step), from the launch storage."""
    ensure_key()
    try:
        launch = DjangoMessageLaunch.from_cache(
            launch_id, request, DjangoToolConfig(), launch_data_storage=DatabaseLaunchStorage()
        )
    except LtiException as exc:
        raise LaunchRefused("This launch has expired: start it again from your course in the LMS.") from exc
    return LtiLaunch(launch)
