"""Who an LMS person is here: keyed by the registration they come through (the platform's issuer AND our
client id there) and the person's subject (``sub``), never by name.

The issuer alone is not enough: django-lti allows several registrations with one issuer (only issuer and client
id together are unique), and Canvas cloud signs every school's launches as https://canvas.instructure.com, so a
second registration with that issuer and keys of its own could otherwise send any ``sub`` and be signed in as
someone of the first. So the identity's issuer is ``<issuer>#<client id>`` (issuer_key), one per registration.

A person the LMS sends for the first time gets a new account of their own (no password: they come in through
the LMS), with an accounts.ExternalIdentity(kind="lti", issuer_key, subject) that finds it on every later launch
or roster sync. An existing Gradient account is used instead only when an administrator linked it (an external
identity added in the admin, with that issuer key), or when the platform's options say to trust its addresses
(``link_verified_emails``) and a Gradient user proved they read the address the LMS sends
(accounts.emails.user_with_verified). An address nobody verified never links anything. A disabled account
(``is_active`` off) is refused, as single sign-on refuses it (accounts.sso).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from lti_tool.models import LtiRegistration, LtiUser

from accounts.emails import user_with_verified
from accounts.models import ExternalIdentity, IdentityKind
from core.errors import UserError
from core.users import User
from lti.models import LaunchState, LmsRole

NAME_MAX = 150
ISSUER_MAX = ExternalIdentity._meta.get_field("issuer").max_length or 255


class AccountDisabled(UserError):
    """The LMS person's Gradient account is disabled: nobody is signed in, nothing is changed."""

    status = 403


def _key(registration: LtiRegistration) -> str:
    return f"{registration.issuer}#{registration.client_id}"


def issuer_key(registration: LtiRegistration) -> str:
    """ExternalIdentity.issuer for the people of ``registration``: its issuer and client id."""
    key = _key(registration)
    if len(key) > ISSUER_MAX:  # the admin refuses such a registration (lti.admin); one made elsewhere stops here
        raise UserError(
            f"This LMS registration's issuer and client id are longer than {ISSUER_MAX - 1} characters together: "
            "an administrator shortens them.", status=403,
        )
    return key


def _username(issuer: str, subject: str) -> str:
    return "lti-" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:12]


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _active(user: User) -> User:
    if not user.is_active:
        raise AccountDisabled(
            "Your Gradient account is disabled, so it cannot sign in from the LMS. Ask the site's administrators "
            "if you think it should not be."
        )
    return user


def _find(issuer: str, subject: str, claims: dict[str, Any], trust_emails: bool) -> tuple[User | None, bool]:
    """(the existing user, whether through their identity); AccountDisabled for a disabled one."""
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(kind=IdentityKind.LTI, issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        return _active(identity.user), True
    email = _text(claims.get("email"), 254)
    user = user_with_verified(email) if trust_emails and email else None
    return (_active(user) if user is not None else None), False


def existing_user(
    *, registration: LtiRegistration, subject: str, claims: dict[str, Any], trust_emails: bool = False
) -> User | None:
    """The existing user the LMS person signs in as (their identity's, or the verified address's where the
    platform is trusted), None for someone new; AccountDisabled for a disabled one. Writes nothing."""
    return _find(issuer_key(registration), subject, claims, trust_emails)[0]


def user_for(
    *, registration: LtiRegistration, subject: str, claims: dict[str, Any], trust_emails: bool = False
) -> User:
    """The user the LMS person (``subject`` at ``registration``) signs in as, made on first sight. ``claims``:
    their name and email as the LMS sends them (a launch's id_token or a roster's member). AccountDisabled,
    before anything is written, for a disabled account."""
    issuer = issuer_key(registration)
    user, known = _find(issuer, subject, claims, trust_emails)
    if user is not None and known:
        return user
    try:
        with transaction.atomic():
            if user is None:
                user = _new_user(issuer, subject, claims, _text(claims.get("email"), 254))
            ExternalIdentity.objects.create(kind=IdentityKind.LTI, issuer=issuer, subject=subject, user=user)
    except IntegrityError:
        # Two first launches at once (two tabs): the other made the identity; use its user.
        other = ExternalIdentity.objects.select_related("user").get(kind=IdentityKind.LTI, issuer=issuer, subject=subject)
        return _active(other.user)
    return user


def _new_user(issuer: str, subject: str, claims: dict[str, Any], email: str) -> User:
    base = _username(issuer, subject)
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    user = User(
        username=username,
        first_name=_text(claims.get("given_name"), 150) or _text(claims.get("name"), 150),
        last_name=_text(claims.get("family_name"), 150),
        email=email,  # shown to staff; it links nothing (never marked verified from here)
    )
    user.set_unusable_password()
    user.save()
    return user


def signed_in(user: User, *, registration: LtiRegistration, subject: str) -> None:
    ExternalIdentity.objects.filter(kind=IdentityKind.LTI, issuer=issuer_key(registration), subject=subject).update(
        last_login_at=timezone.now()
    )


def subject_of(user_id: int, registration: LtiRegistration) -> str | None:
    """The LMS's ``sub`` for our user at ``registration`` (what scores are sent for), or None."""
    return (
        ExternalIdentity.objects.filter(kind=IdentityKind.LTI, issuer=issuer_key(registration), user_id=user_id)
        .values_list("subject", flat=True)
        .first()
    )


@transaction.atomic
def erase_user(user: User) -> int:
    """Delete what the LTI tool keeps about ``user`` (closing their account): django-lti's LtiUser rows of
    their LMS identities (name, email, picture; their LtiMemberships go with them), the LMS roles of their
    enrolments, the launch state that holds their claims, and the LTI identities themselves. Call it before
    the account's identities are removed: they are how the LMS's rows are found. Returns the rows deleted."""
    registrations = {_key(r): r for r in LtiRegistration.objects.all()}
    identities = ExternalIdentity.objects.filter(kind=IdentityKind.LTI, user=user)
    deleted = 0
    for identity in identities:
        registration = registrations.get(identity.issuer)
        if registration is None:
            continue  # its registration is gone, and django-lti's rows with it (CASCADE)
        deleted += LtiUser.objects.filter(registration=registration, sub=identity.subject).delete()[0]
        # Launch data (an id_token's claims) is stored per launch: every launch of this person there.
        deleted += LaunchState.objects.filter(
            value__iss=registration.issuer, value__sub=identity.subject
        ).delete()[0]
    deleted += LtiUser.objects.filter(auth_user=user).delete()[0]
    deleted += LmsRole.objects.filter(enrolment__user=user).delete()[0]
    deleted += identities.delete()[0]
    return deleted
