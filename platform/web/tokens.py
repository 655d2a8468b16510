"""API tokens: issued on a user name and password, checked on each request, revoked by their owner, and
revoked all at once when the credentials they stood for change.

Built on django-rest-knox (hashed storage, constant-time comparison, expiry); web/models.py holds the row.

- **Fixed lifetime.** A token lives ``API_TOKEN_DAYS`` (30) days from sign-in, however often it is used: a
  stolen token is dead by then even if the thief keeps using it (a sliding expiry would keep it alive for as
  long as it is used). The price is one ``gradient login`` a month.
- **Revoked all at once** when the owner signs out of the site, changes or resets their password (any way:
  the page, a reset mail, the admin, ``manage.py changepassword``), or the account is deactivated.
- **One per device.** A user holds several, each with a name, and sees when each was created, last used
  (to the minute: one write a minute at most) and expires; never the secret, which is shown once.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.settings import knox_settings
from rest_framework import exceptions
from rest_framework.request import Request

from core.errors import UserError
from core.users import User
from web.models import ApiToken

DEFAULT_NAME = "API token"
# last_used is written at most once a minute per token: a client polling a run costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
EXPIRED_OR_REVOKED = (
    "This API token has expired or was revoked. Sign in again: POST /api/v1/token/ with your user name and "
    "password, or `gradient login` with the command-line client."
)
# Tokens are hexadecimal: knox's are 64 characters, the older plain tokens that were carried over 40. Anything
# else is refused before it reaches the database (a NUL byte or a non-UTF-8 header would be a server error).
TOKEN_SHAPE = re.compile(r"[0-9a-f]{40,64}")


class TooManyTokens(UserError):
    status = 409
    field = "token"


def lifetime() -> timedelta:
    return knox_settings.TOKEN_TTL  # REST_KNOX["TOKEN_TTL"], from API_TOKEN_DAYS


def live_tokens(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still sign in, newest first."""
    return ApiToken.objects.filter(user=user).filter(Q(expiry__gt=timezone.now()) | Q(expiry__isnull=True))


def issue(user: User, *, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``: its row and the secret, which exists only in this return value. Expired rows
    of the user are dropped on the way. Refused over GRADIENT_API_TOKENS_PER_USER live tokens (a script that
    signs in on each run would otherwise pile them up): the owner revokes some first."""
    ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    if live_tokens(user).count() >= settings.GRADIENT_API_TOKENS_PER_USER:
        raise TooManyTokens(
            f"You already have {settings.GRADIENT_API_TOKENS_PER_USER} API tokens. Revoke the ones you no longer "
            "use (the API tokens page, or DELETE /api/v1/tokens/<id>/) and sign in again."
        )
    row, secret = ApiToken.objects.create(user=user, expiry=lifetime(), name=name.strip() or DEFAULT_NAME)
    return row, secret


def revoke(user: User, token_id: int) -> bool:
    """Revokes one of ``user``'s own tokens; False when they have none with this number."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


def revoke_all(user: User) -> int:
    """Revokes every token of ``user``; how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


class ApiTokenAuthentication(TokenAuthentication):
    """knox's check (``Authorization: Token <secret>``; expired tokens deleted on sight; inactive users refused),
    with one sentence for every refusal and last_used kept. First in DEFAULT_AUTHENTICATION_CLASSES, so a
    refused token is a 401 with ``WWW-Authenticate: Token``, which is how clients tell it apart from a 403."""

    def authenticate_credentials(self, token: bytes) -> tuple[User, ApiToken]:
        text = token.decode("latin-1")  # the header's own encoding: any byte decodes
        if not TOKEN_SHAPE.fullmatch(text):
            raise exceptions.AuthenticationFailed(EXPIRED_OR_REVOKED)
        try:
            user, row = super().authenticate_credentials(token)
        except exceptions.AuthenticationFailed:  # unknown, expired (knox deletes it) or the user is inactive
            raise exceptions.AuthenticationFailed(EXPIRED_OR_REVOKED) from None
        now = timezone.now()
        if row.last_used is None or now - row.last_used >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used=now)
            row.last_used = now
        return user, row


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes it: as DRF's token was (``tokenAuth``), so clients see no change."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The header "Token <token>", with a token from POST /api/v1/token/; it expires.',
        }


def token_of(request: Request) -> ApiToken | None:
    """The token the request signed in with (None for a browser session)."""
    return request.auth if isinstance(request.auth, ApiToken) else None


# --------------------------------------------------------------------------- revoked when credentials change
# Connected in WebConfig.ready, so they hold in every process (web, Celery, manage.py), not only where the
# URLs were loaded.


def revoke_on_site_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    """Signing out of the site signs every device out: the tokens page says so. (The API's own logout
    endpoints revoke tokens themselves and send no signal.)"""
    if user is not None:
        revoke_all(user)


def note_credential_change(sender: Any, instance: User, raw: bool = False, update_fields: Any = None,
                           **kwargs: Any) -> None:
    """Before a user is saved: will their password change, or the account be deactivated? (Compared with the
    stored row, so every path counts: the change and reset pages, the admin, manage.py changepassword.)"""
    instance._gradient_revoke_tokens = False  # type: ignore[attr-defined]
    if raw or instance.pk is None:
        return
    fields = set(update_fields) if update_fields is not None else None
    if fields is not None and not fields & {"password", "is_active"}:
        return  # e.g. the last_login update on every sign-in: no query
    # Django re-hashes a password with stronger parameters when its owner signs in after an upgrade
    # (check_password saves update_fields=["password"] and clears _password): the same password, not a change.
    rehash = fields == {"password"} and getattr(instance, "_password", None) is None
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    changed = before["password"] != instance.password and not rehash
    deactivated = before["is_active"] and not instance.is_active
    instance._gradient_revoke_tokens = changed or deactivated  # type: ignore[attr-defined]


def revoke_on_credential_change(sender: Any, instance: User, **kwargs: Any) -> None:
    """After the save went through: revoke, in the same transaction where the save had one."""
    if getattr(instance, "_gradient_revoke_tokens", False):
        instance._gradient_revoke_tokens = False  # type: ignore[attr-defined]
        revoke_all(instance)


def connect_signals() -> None:
    user_logged_out.connect(revoke_on_site_logout, dispatch_uid="gradient-tokens-logout")
    pre_save.connect(note_credential_change, sender=User, dispatch_uid="gradient-tokens-pre-save")
    post_save.connect(revoke_on_credential_change, sender=User, dispatch_uid="gradient-tokens-post-save")
