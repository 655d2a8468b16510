"""Signing in as a person does (the sign-in form, then the code step for two-factor users), and the codes an
authenticator app would show for a django-otp TOTP device."""

from __future__ import annotations

import base64
import time

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def sign_in(
    username: str, password: str, *, client: Client | None = None, next: str = "", device: TOTPDevice | None = None
) -> Client:
    """A client signed in through /login/ (a real request, so django-axes sees it), and for a user with
    two-factor sign-in through the code step with ``device``'s current code; fails the test if not."""
    client = client or Client()
    response = client.post("/login/", {"username": username, "password": password, "next": next})
    assert response.status_code == 302, response.content.decode()[:2000]
    if device is None:
        assert response["Location"] != "/login/verify/", "this user has two-factor sign-in: pass device="
    else:
        assert response["Location"] == "/login/verify/"
        response = client.post("/login/verify/", {"token": totp_code(device)})
        assert response.status_code == 302, response.content.decode()[:2000]
    return client


def totp_code(key: bytes | TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The six digits an authenticator app shows now for the secret ``key`` (raw bytes, as decoded from the
    base32 secret the page shows, or a device's), or ``steps_ahead`` 30-second steps later: the device takes
    one step of drift either way, and refuses a code of a step it has already accepted."""
    raw = key.bin_key if isinstance(key, TOTPDevice) else key
    totp = TOTP(raw, step=30, t0=0, digits=6)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def secret_bytes(base32_secret: str) -> bytes:
    """The secret as an app reads it from the page's text (base32, padding left off)."""
    return base64.b32decode(base32_secret + "=" * (-len(base32_secret) % 8))
