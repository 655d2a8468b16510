"""Two-factor sign-in with django-otp: a TOTP authenticator app (enrolled from the account page with a QR code
or its secret as text) and ten single-use backup codes.

Signing in is two steps for a user with a confirmed device. The password step is Django's LoginView (its
form calls ``authenticate(request=...)``, so django-axes counts password failures as on any sign-in); it
signs nobody in, but keeps who passed it in the session for a few minutes, and the code step signs them in
with django-otp's ``login`` (the session remembers the device: ``request.user.is_verified()``).

Any session of a user with a confirmed device that has not given a code (``is_verified()`` is False) is held
on the code step by ``TwoFactorMiddleware``: one signed in another way (the admin's own login page, single
sign-on, an LTI launch), and one that was signed in before two-factor sign-in was turned on elsewhere (so a
stolen session is not kept by the thief when the owner turns it on). Turning it on also revokes the user's API
tokens, for the same reason; the session that turned it on has just given a code. With
GRADIENT_ADMIN_REQUIRES_2FA, site administrators (is_staff) reach the admin only from a verified session, and
one without a device is sent to set one up.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.users import SignedInRequest, User
from web.tokens import revoke_all

PENDING = "gradient_2fa_pending"  # passed the password step: {"user", "backend", "at", "next", "tries"}
PENDING_S = 300  # the code step must follow the password step within five minutes
TRIES = 5  # wrong codes before the password step starts again (each device also slows down on failures)
BACKUP_CODES = 10
AUTHENTICATOR = "authenticator app"
BACKUP = "backup codes"


def has_two_factor(user: User) -> bool:
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


# --------------------------------------------------------------------------- signing in


class SignInView(auth_views.LoginView):
    """Django's sign-in page; for a user with a device, the password only opens the code step."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "signup_open": settings.GRADIENT_SIGNUP_OPEN}

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not user_has_device(user, confirmed=True):
            return super().form_valid(form)
        self.request.session.cycle_key()  # a new session id for the half-signed-in state too
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
            "tries": 0,
        }
        return HttpResponseRedirect(reverse("login_verify"))


def owes_code(user: Any) -> bool:
    """Whether a signed-in session of ``user`` must give a code before anything else: the user has a
    confirmed device and this session has not given one (django-otp's ``is_verified``)."""
    return bool(user.is_authenticated and not user.is_verified() and has_two_factor(user))


def _pending_user(request: HttpRequest) -> tuple[User | None, dict[str, Any] | None]:
    """Who owes the code step: a signed-in user whose session gave no code (owes_code), or one who passed the
    password step in the last PENDING_S seconds."""
    signed_in = request.user
    if isinstance(signed_in, User) and owes_code(signed_in):
        return signed_in, None
    pending = request.session.get(PENDING)
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_S:
        request.session.pop(PENDING, None)
        return None, None
    user = User._default_manager.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def match_code(user: User, token: str) -> TOTPDevice | StaticDevice | None:
    """The user's confirmed device that accepts ``token`` (each device counts its own failures and makes
    the next try wait longer: django-otp's throttling). For any other sign-in that must ask for the code too
    (an API token request from a two-factor user)."""
    token = "".join(token.split()).lower()
    if not token:
        return None
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, TOTPDevice | StaticDevice) and device.verify_token(token):
            return device
    return None


def _slowed_down(user: User) -> bool:
    """Whether a device is holding tries back after wrong codes (django-otp's throttling: 1 s, 2 s, 4 s...)."""
    return any(not device.verify_is_allowed()[0] for device in devices_for_user(user, confirmed=True))


@never_cache
def second_step_view(request: HttpRequest) -> HttpResponse:
    user, pending = _pending_user(request)
    if user is None:
        return redirect("login")
    error = ""
    status = 200
    if request.method == "POST":
        device = match_code(user, request.POST.get("token", ""))
        if device is not None:
            if pending is not None:
                request.session.pop(PENDING, None)
                user.otp_device = device  # type: ignore[attr-defined]  # django-otp keeps it in the session
                auth_login(request, user, backend=pending["backend"])
                target = pending.get("next")
            else:
                otp_login(request, device)
                target = request.POST.get("next") or request.GET.get("next")
            return redirect(_safe_next(request, target))
        status = 400
        error = "That code did not work. Check your app's clock and try the newest code, or a backup code."
        if _slowed_down(user):
            error += " After a wrong code each try waits a little longer: wait a few seconds before the next."
        if pending is not None:
            pending["tries"] = int(pending.get("tries", 0)) + 1
            if pending["tries"] >= TRIES:
                request.session.pop(PENDING, None)
                return render(
                    request, "accounts/two_factor_step.html", {"expired": True}, status=400
                )
            request.session[PENDING] = pending
    return render(
        request,
        "accounts/two_factor_step.html",
        {"error": error, "next": request.GET.get("next", ""), "signed_in_elsewhere": pending is None},
        status=status,
    )


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: holds a session that owes a code (owes_code) on the code step, and
    (with GRADIENT_ADMIN_REQUIRES_2FA) keeps site administrators out of the admin until their session is
    verified. The device is looked up on each request of a session that gave no code, rather than marked in
    the session at sign-in: a device confirmed later must catch the sessions already open too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            held = self._hold(request, user)
            if held is not None:
                return held
        return self.get_response(request)

    def _hold(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        here = request.path
        free = (reverse("login_verify"), reverse("logout"), "/" + settings.STATIC_URL.lstrip("/"))
        if here.startswith(free):
            return None
        if owes_code(user):
            return redirect(f"{reverse('login_verify')}?{urlencode({'next': request.get_full_path()})}")
        if settings.GRADIENT_ADMIN_REQUIRES_2FA and user.is_staff and here.startswith(reverse("admin:index")):
            if not user.is_verified():
                return redirect(f"{reverse('two_factor')}?required=admin")
        return None


# --------------------------------------------------------------------------- enrolling a device


def _secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def _unconfirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


@login_required
@never_cache
def two_factor_view(request: SignedInRequest) -> HttpResponse:
    """Whether two-factor sign-in is on; while a device is being set up, its QR code and secret."""
    user = request.user
    setting_up = None if has_two_factor(user) else _unconfirmed(user)
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enabled": has_two_factor(user),
            "setting_up": setting_up,
            "secret": _secret(setting_up) if setting_up else "",
            "otpauth": setting_up.config_url if setting_up else "",
            "backup_left": backup.token_set.count() if backup else 0,
            "required_for_admin": request.GET.get("required") == "admin",
        },
    )


@login_required
@require_POST
def setup_view(request: SignedInRequest) -> HttpResponse:
    """A new authenticator secret (unconfirmed until a code from it is given)."""
    if not has_two_factor(request.user):
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        TOTPDevice.objects.create(user=request.user, name=AUTHENTICATOR, confirmed=False)
    return redirect("two_factor")


@login_required
@never_cache
def qr_view(request: SignedInRequest) -> HttpResponse:
    """The unconfirmed secret as a QR code, an SVG drawn here (the page loads it as an image)."""
    device = _unconfirmed(request.user)
    if device is None:
        return HttpResponse(status=404)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@login_required
@require_POST
def confirm_view(request: SignedInRequest) -> HttpResponse:
    """A code from the new secret turns two-factor sign-in on; the backup codes are shown once."""
    device = _unconfirmed(request.user)
    if device is None:
        return redirect("two_factor")
    token = "".join(request.POST.get("token", "").split())
    if not device.verify_token(token):
        return render(
            request,
            "accounts/two_factor.html",
            {
                "setting_up": device,
                "secret": _secret(device),
                "otpauth": device.config_url,
                "error": "That code did not match. Enter the six digits your app shows now.",
            },
            status=400,
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
    codes = _new_backup_codes(request.user)
    otp_login(request, device)  # this session just proved the device; every other one now owes a code
    revoked = revoke_all(request.user)  # a token stands for a password alone: sign in again, with a code
    return render(
        request, "accounts/two_factor_codes.html", {"codes": codes, "new": True, "revoked_tokens": revoked}
    )


def _verified_session(request: SignedInRequest) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY)) and request.user.is_verified()  # type: ignore[attr-defined]


@login_required
@require_POST
def backup_codes_view(request: SignedInRequest) -> HttpResponse:
    """New backup codes (the old ones stop working): only from a session that gave a code."""
    if not has_two_factor(request.user) or not _verified_session(request):
        return redirect("two_factor")
    return render(request, "accounts/two_factor_codes.html", {"codes": _new_backup_codes(request.user), "new": False})


@login_required
@require_POST
def disable_view(request: SignedInRequest) -> HttpResponse:
    """Turn two-factor sign-in off: the password again (a session left open is not enough)."""
    user = request.user
    password = request.POST.get("password", "")
    if authenticate(request, username=user.get_username(), password=password) is None:
        return render(
            request,
            "accounts/two_factor.html",
            {"enabled": True, "disable_error": "That password is not right: two-factor sign-in stays on."},
            status=400,
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    return redirect("two_factor")


urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("login/verify/", second_step_view, name="login_verify"),
    path("account/two-factor/", two_factor_view, name="two_factor"),
    path("account/two-factor/setup/", setup_view, name="two_factor_setup"),
    path("account/two-factor/qr.svg", qr_view, name="two_factor_qr"),
    path("account/two-factor/confirm/", confirm_view, name="two_factor_confirm"),
    path("account/two-factor/backup-codes/", backup_codes_view, name="two_factor_backup_codes"),
    path("account/two-factor/disable/", disable_view, name="two_factor_disable"),
]
