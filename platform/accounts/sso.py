"""Single sign-on with OpenID Connect: mozilla-django-oidc's authentication backend (authorisation code flow
with PKCE, state and nonce, the ID token's signature checked against the provider's keys), with our rules for
which local account a provider's person signs in to (docs/sso.md).

Matching, in order:
1. the identity (issuer, subject) already recorded: its user;
2. else, when the provider says ``email_verified`` is true and exactly one local user proved that address
   (a VerifiedEmail): that user, and the identity is recorded;
3. else a new user (when OIDC_CREATE_USER) with the identity, and the address as verified if it is and nobody
   here has it; otherwise the sign-in is refused.
An inactive user is refused at every step. An email the provider does not vouch for never finds an account.

Endpoints come from the issuer's discovery document (fetched on first use, cached) unless set one by one.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from accounts import usernames
from accounts.emails import mark_verified, user_with_verified
from accounts.models import ExternalIdentity, IdentityKind
from core.errors import UserError
from core.users import User

log = logging.getLogger(__name__)

# mozilla-django-oidc's endpoint settings, and the discovery document's name for each (OpenID Connect
# Discovery 1.0, section 3). An explicit setting wins over the document.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
DISCOVERY_PATH = "/.well-known/openid-configuration"
USERNAME_MAX = 30  # generated names only; Django allows 150


class SignInRefused(UserError):
    """The provider signed the person in, but this site will not: shown on the sign-in refused page."""

    status = 403


class ProviderUnreachable(UserError):
    status = 503


def enabled() -> bool:
    """Whether single sign-on is configured (OIDC_ISSUER and OIDC_CLIENT_ID): else no button, no routes."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def provider_name() -> str:
    return str(settings.OIDC_PROVIDER_NAME)


def _explicit_endpoints() -> bool:
    return all(getattr(settings, name, "") for name in ENDPOINTS if name != "OIDC_OP_USER_ENDPOINT")


def discovery() -> dict[str, Any]:
    """The issuer's discovery document, from the shared cache (OIDC_DISCOVERY_TTL_S) or fetched now. Its
    ``issuer`` must be the configured one (a trailing slash aside): a document that names another issuer
    would let tokens from that issuer in."""
    configured = str(settings.OIDC_ISSUER)
    key = "gradient:oidc:discovery:" + hashlib.sha256(configured.encode()).hexdigest()
    document = cache.get(key)
    if isinstance(document, dict):
        return document
    url = configured.rstrip("/") + DISCOVERY_PATH
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("OpenID discovery at %s failed: %s", url, error)
        raise ProviderUnreachable(
            f"Sign-in with {provider_name()} is not available right now (its server did not answer). "
            "Try again in a few minutes, or sign in with your password."
        ) from error
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != configured.rstrip("/"):
        raise ImproperlyConfigured(
            f"{url} names the issuer {document.get('issuer') if isinstance(document, dict) else None!r}, "
            f"not OIDC_ISSUER={configured!r}"
        )
    cache.set(key, document, timeout=settings.OIDC_DISCOVERY_TTL_S)
    return document


def expected_issuer() -> str:
    """The exact ``iss`` the provider's tokens carry: the discovery document's, or OIDC_ISSUER as set when
    every endpoint is set by hand."""
    if _explicit_endpoints():
        return str(settings.OIDC_ISSUER)
    return str(discovery()["issuer"])


def setting(name: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings lookup, with the provider's endpoints filled in from discovery. The
    userinfo endpoint is optional (the ID token's claims are used alone without one)."""
    if name in ENDPOINTS:
        explicit = getattr(settings, name, "")
        if explicit or _explicit_endpoints():
            return explicit  # set by hand: no discovery (the userinfo endpoint may be left out)
        value = discovery().get(ENDPOINTS[name], "")
        if not value and name != "OIDC_OP_USER_ENDPOINT":
            raise ImproperlyConfigured(f"the OpenID provider's discovery document has no {ENDPOINTS[name]}")
        return value
    return import_from_settings(name, *default)


def _claimed_true(value: object) -> bool:
    """``email_verified`` as the provider sent it: true, or the string "true" that some providers send. Missing,
    false or anything else is not proof."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def verified_email(claims: dict[str, Any]) -> str | None:
    """The address the provider vouches for, or None: the email claim counts only with email_verified true."""
    email = claims.get("email")
    if isinstance(email, str) and "@" in email and _claimed_true(claims.get("email_verified")):
        return email.strip()
    return None


# --------------------------------------------------------------------------- new usernames


def _ascii_name(text: str) -> str:
    """Lower-case ASCII letters, digits and single dots, dashes or underscores from ``text`` (accents dropped:
    José -> jose), starting and ending with a letter or digit; empty when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"[^a-z0-9._-]+", ".", ascii_text)
    name = re.sub(r"[._-]{2,}", ".", name).strip("._-")
    return name[:USERNAME_MAX].strip("._-")


def new_username(claims: dict[str, Any]) -> str:
    """A username for a new account, within accounts.usernames' rules: from preferred_username (its local part
    when it is an address), else the email's local part, else the given name; numbered while it (or a
    look-alike of it) is taken."""
    base = ""
    for raw in (claims.get("preferred_username"), claims.get("email"), claims.get("given_name")):
        if isinstance(raw, str) and raw.strip():
            base = _ascii_name(raw.split("@")[0])
            if base:
                break
    if len(base) < usernames.MIN_LENGTH or usernames.folded(base).startswith(usernames.RESERVED_PREFIXES):
        base = f"user.{base}" if base else "user"
    candidate = base
    for number in range(2, 10_000):
        try:
            usernames.validate_new_username(candidate)
            return candidate
        except ValidationError:
            candidate = f"{base[: USERNAME_MAX - len(str(number))]}{number}"
    return f"user.{secrets.token_hex(6)}"  # ten thousand of one name: a random one will do


# --------------------------------------------------------------------------- matching


def _refuse_inactive(user: User) -> User:
    if not user.is_active:
        raise SignInRefused(
            "This account is disabled, so it cannot sign in here. Ask the site's administrators if you think "
            "it should not be."
        )
    return user


def _record_identity(user: User, issuer: str, subject: str) -> None:
    ExternalIdentity.objects.create(
        kind=IdentityKind.OIDC, issuer=issuer, subject=subject, user=user, last_login_at=timezone.now()
    )


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip()[:150] if isinstance(value, str) else ""


def user_for_claims(issuer: str, claims: dict[str, Any], *, create: bool) -> User:
    """The local user the provider's person signs in as (see the module's docstring), recording the identity
    on first sign-in. Raises SignInRefused when no user may be used."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255 or len(issuer) > 255:
        raise SuspiciousOperation("the ID token's sub (or iss) is missing or too long")
    for _attempt in range(2):  # a second, parallel first sign-in of the same person may win the race
        try:
            with transaction.atomic():
                return _match(issuer, subject, claims, create=create)
        except IntegrityError:
            continue
    raise SuspiciousOperation("the identity could not be recorded")


def _match(issuer: str, subject: str, claims: dict[str, Any], *, create: bool) -> User:
    identity = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(kind=IdentityKind.OIDC, issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        user = _refuse_inactive(identity.user)
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        return user

    email = verified_email(claims)
    existing = user_with_verified(email) if email else None
    if existing is not None:
        _refuse_inactive(existing)
        _record_identity(existing, issuer, subject)
        log.info("OpenID identity %s %s linked to %s on its verified address", issuer, subject, existing)
        return existing

    if not create:
        raise SignInRefused(
            f"No account here is linked to your {provider_name()} sign-in, and this site does not create "
            "accounts on first sign-in. If you already have an account, sign in with its password; otherwise "
            "ask your instructor or the site's administrators to add you."
        )
    user = User.objects.create_user(
        new_username(claims),
        # Only an address the provider vouches for, and nobody here claims, becomes the account's email:
        # password-reset mail goes to user.email.
        email=email or "",
        first_name=_text(claims, "given_name"),
        last_name=_text(claims, "family_name"),
    )  # no password: the account signs in through the provider (or sets one by a reset mail)
    _record_identity(user, issuer, subject)
    if email:
        mark_verified(user, email, source=f"oidc:{issuer}"[:40])
    log.info("OpenID identity %s %s signed up as %s", issuer, subject, user)
    return user


# --------------------------------------------------------------------------- the backend


class OidcBackend(OIDCAuthenticationBackend):
    """Listed in AUTHENTICATION_BACKENDS after ModelBackend. It answers only the SSO callback (which passes a
    nonce); password sign-ins pass it by. Reads its settings when a sign-in comes back, not when Django
    builds it for every authenticate() call, so a password sign-in never waits for the provider."""

    get_settings = staticmethod(setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        ModelBackend.__init__(self)
        self.UserModel = User

    # The library reads these attributes; here each is looked up when used.
    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # noqa: N802 (the library's names)
        return str(setting("OIDC_OP_TOKEN_ENDPOINT"))

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:  # noqa: N802
        return str(setting("OIDC_OP_USER_ENDPOINT"))

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:  # noqa: N802
        return str(setting("OIDC_OP_JWKS_ENDPOINT"))

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:  # noqa: N802
        return str(settings.OIDC_RP_CLIENT_ID)

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:  # noqa: N802
        return str(settings.OIDC_RP_CLIENT_SECRET)

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:  # noqa: N802
        return str(settings.OIDC_RP_SIGN_ALGO)

    OIDC_RP_IDP_SIGN_KEY = None  # the provider's keys come from its JWKS

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> User | None:
        if request is None or "nonce" not in credentials or not enabled():
            return None  # a password sign-in, or SSO is off
        user: User | None = super().authenticate(request, **credentials)
        return user

    def get_user(self, user_id: int) -> User | None:
        user: User | None = ModelBackend.get_user(self, user_id)  # inactive users' sessions end
        return user

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        """The library calls this with the ID token's checked payload; the matching is ours."""
        issuer = self._check_id_token(payload)
        claims = dict(payload)
        if setting("OIDC_OP_USER_ENDPOINT"):
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if not isinstance(userinfo, dict) or userinfo.get("sub") != payload["sub"]:
                # OpenID Connect Core 5.3.2: a userinfo answer about someone else must not be used.
                raise SuspiciousOperation("the userinfo response is about another subject")
            claims.update({name: value for name, value in userinfo.items() if name not in {"iss", "aud", "sub"}})
        return user_for_claims(issuer, claims, create=bool(settings.OIDC_CREATE_USER))

    def _check_id_token(self, payload: dict[str, Any]) -> str:
        """What the library leaves out of the ID token's validation (OpenID Connect Core 3.1.3.7): the issuer
        is ours, the token is for this client, and it has an expiry (whose passing PyJWT checks)."""
        issuer = expected_issuer()
        if payload.get("iss") != issuer:
            raise SuspiciousOperation(f"the ID token's issuer {payload.get('iss')!r} is not {issuer!r}")
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        client_id = self.OIDC_RP_CLIENT_ID
        if client_id not in audiences:
            raise SuspiciousOperation("the ID token is not for this client (aud)")
        if len(audiences) > 1 and payload.get("azp") != client_id:
            raise SuspiciousOperation("the ID token was issued to another party (azp)")
        if "exp" not in payload:
            raise SuspiciousOperation("the ID token has no expiry")
        return issuer
