"""Sign-in throttling with django-axes: failed password sign-ins are counted in PostgreSQL (axes' database
handler: every web process shares the count) on /login/, /admin/login/ and /api/v1/token/, and anything else
that calls ``django.contrib.auth.authenticate(request=..., username=..., password=...)``.

- **Per (user name, client).** After SIGNIN_FAILURE_LIMIT (5) failures for one user name from one client
  address, that pair is refused for SIGNIN_COOLOFF_MINUTES (15) after the last failure, the right password
  included. Someone guessing a class's user names from one address locks out only themselves: the students
  sign in from their own addresses as usual.
- **Per client, looser.** SIGNIN_FAILURES_PER_CLIENT (100) failures from one address over the same period,
  whatever the user names, refuse that address altogether: one address spraying a few guesses at each of many
  accounts. Loose because a campus may sit behind one NAT address. 0 turns it off.
- **Only password sign-ins count.** A single sign-on callback or an LTI launch that goes through
  ``authenticate`` without a password is neither checked nor counted: a broken identity provider must not
  lock a whole campus out of it.
- Refusals answer 429: the sign-in page's own message (HTML), or the API's error body for /api/ paths.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

API_PREFIX = "/api/"


class SignInThrottleBackend(AxesStandaloneBackend):
    """Axes' check, first in AUTHENTICATION_BACKENDS: refuses a locked-out (user name, client) before any other
    backend sees the password. Calls without a request (the test client's login, a shell) or without a
    password (single sign-on) are left to the other backends, unchecked."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None or password is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None


class SignInAttempts(AxesDatabaseHandler):
    """Axes' database handler, plus the per-client limit, and the lock-out mark carried from DRF's request to
    the HttpRequest under it (where axes' middleware looks for it)."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        failures = int(super().get_failures(request, credentials))
        per_client = settings.GRADIENT_SIGNIN_FAILURES_PER_CLIENT
        if per_client > 0:
            from_client = AccessAttempt.objects.filter(
                ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"] or 0
            if from_client >= per_client:
                return max(failures, int(get_failure_limit(request, credentials)))
        return failures

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        if not credentials or "password" not in credentials:
            return  # not a password sign-in (see the module's docstring)
        super().user_login_failed(sender, credentials, request, **kwargs)
        inner = getattr(request, "_request", None)  # a DRF Request wraps the HttpRequest the middleware gets
        if inner is not None and getattr(request, "axes_locked_out", False):
            inner.axes_locked_out = True
            inner.axes_credentials = getattr(request, "axes_credentials", None)


def cooloff_minutes() -> int:
    cool_off = get_cool_off() or timedelta(0)
    return max(1, round(cool_off.total_seconds() / 60))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: what a locked-out client gets instead of the view's answer."""
    minutes = cooloff_minutes()
    message = (
        f"Too many failed sign-in attempts from your address. Signing in is paused for {minutes} minutes after "
        "the last failed attempt: wait, then try again, or set a new password with a reset link."
    )
    response: HttpResponse
    if request.path.startswith(API_PREFIX):
        response = JsonResponse(
            {"error": {"code": "locked_out", "message": message, "details": {"retry_after_s": minutes * 60}}},
            status=429,
        )
    else:
        response = render(request, "registration/locked_out.html", {"message": message, "minutes": minutes},
                          status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
