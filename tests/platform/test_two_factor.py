"""Two-factor sign-in (django-otp): enrolled from the account page by scanning (here: reading) the secret the
page shows, then a second step after the password at every sign-in, with real TOTP codes computed from that
secret, single-use backup codes, no way around the code step through the admin's own login page, and no session
or API token from before it was turned on that keeps working without a code."""

from __future__ import annotations

import re
import time

from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.support.factories import UserFactory
from tests.support.signing_in import secret_bytes, sign_in, totp_code
from web.tokens import issue

PASSWORD = "long-enough-secret-42"


def enrol(client: Client) -> tuple[bytes, list[str]]:
    """Turns two-factor sign-in on as a person does; returns the secret (as the app holds it) and the
    backup codes shown."""
    assert "Set it up" in client.get("/account/two-factor/").content.decode()
    page = client.post("/account/two-factor/setup/", follow=True).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert secret, page
    qr = client.get("/account/two-factor/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    key = secret_bytes(secret.group(1))
    done = client.post("/account/two-factor/confirm/", {"token": totp_code(key)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    return key, codes


def password_step(username: str, *, next: str = "") -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD, "next": next})
    assert response.status_code == 302 and response["Location"] == "/login/verify/"
    return client


def test_a_user_turns_it_on_and_then_signs_in_with_a_code(db) -> None:
    UserFactory(username="tara", password=PASSWORD)
    client = sign_in("tara", PASSWORD)
    key, _ = enrol(client)
    assert "two-factor-state\">on" in client.get("/account/").content.decode()
    client.post("/logout/")

    client = password_step("tara", next="/courses/")
    # Half-way: not signed in yet.
    assert client.get("/account/")["Location"].startswith("/login/")
    wrong = client.post("/login/verify/", {"token": "12345"})
    assert wrong.status_code == 400 and "did not work" in wrong.content.decode()
    # After a wrong code the device makes the next try wait (a second, then two, four...): even the right
    # code is refused until then. (The confirming code's step is spent: the app's next code, within the one
    # step of drift the device allows.)
    code = totp_code(key, steps_ahead=1)
    held = client.post("/login/verify/", {"token": code})
    assert held.status_code == 400 and "wait a few seconds" in held.content.decode()
    time.sleep(2.1)  # past the two seconds the second wrong try asked for
    done = client.post("/login/verify/", {"token": code})
    assert done.status_code == 302 and done["Location"] == "/courses/"
    assert client.get("/account/").status_code == 200
    # The same code again (another sign-in) is refused: a code works once.
    again = password_step("tara")
    assert again.post("/login/verify/", {"token": code}).status_code == 400  # (not recomputed: the step may turn)


def test_a_backup_code_signs_in_once_and_too_many_wrong_codes_start_over(db, settings) -> None:
    UserFactory(username="bo", password=PASSWORD)
    _, codes = enrol(sign_in("bo", PASSWORD))

    client = password_step("bo")
    assert client.post("/login/verify/", {"token": codes[0].upper()})["Location"] == "/"
    assert StaticDevice.objects.get(user__username="bo").token_set.count() == 9
    reused = password_step("bo")
    assert reused.post("/login/verify/", {"token": codes[0]}).status_code == 400

    settings.OTP_STATIC_THROTTLE_FACTOR = settings.OTP_TOTP_THROTTLE_FACTOR = 0  # count the tries, not the waits
    guesser = password_step("bo")
    for _ in range(4):
        assert guesser.post("/login/verify/", {"token": "999999"}).status_code == 400
    last = guesser.post("/login/verify/", {"token": "999999"})
    assert last.status_code == 400 and 'id="two-factor-start-again"' in last.content.decode()
    # The password step is gone: even a right code is no use without it.
    assert guesser.post("/login/verify/", {"token": codes[1]})["Location"] == "/login/"


def test_the_admin_login_page_does_not_skip_the_code(db) -> None:
    admin = UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    key, _ = enrol(sign_in("root", PASSWORD))

    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302  # Django's admin signed the password in...
    held = client.get("/admin/")
    assert held.status_code == 302 and held["Location"].startswith("/login/verify/")  # ...but the code is owed
    assert client.get("/courses/")["Location"].startswith("/login/verify/")
    done = client.post("/login/verify/?next=/admin/", {"token": totp_code(key, steps_ahead=1), "next": "/admin/"})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(user=admin).confirmed


def test_site_administrators_can_be_required_to_use_it(db, settings) -> None:
    settings.GRADIENT_ADMIN_REQUIRES_2FA = True
    UserFactory(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    client = sign_in("boss", PASSWORD)
    sent = client.get("/admin/")
    assert sent["Location"] == "/account/two-factor/?required=admin"
    assert 'id="two-factor-required"' in client.get(sent["Location"]).content.decode()
    assert client.get("/courses/").status_code == 200  # the rest of the site is open as before
    enrol(client)  # the enrolling session has just given a code
    assert client.get("/admin/").status_code == 200


def test_turning_it_off_takes_the_password(db) -> None:
    UserFactory(username="ina", password=PASSWORD)
    client = sign_in("ina", PASSWORD)
    enrol(client)
    refused = client.post("/account/two-factor/disable/", {"password": "not-the-password"})
    assert refused.status_code == 400 and TOTPDevice.objects.filter(user__username="ina").exists()
    client.post("/account/two-factor/disable/", {"password": PASSWORD})
    assert not TOTPDevice.objects.filter(user__username="ina").exists()
    assert not StaticDevice.objects.filter(user__username="ina").exists()
    sign_in("ina", PASSWORD)  # one step again


def test_password_guesses_on_a_two_factor_account_are_throttled(db, settings) -> None:
    """django-axes counts the password step's failures as on any sign-in: the two-step flow authenticates
    with the request."""
    UserFactory(username="vic", password=PASSWORD)
    enrol(sign_in("vic", PASSWORD))
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "vic", "password": "a-wrong-guess"})
    locked = client.post("/login/", {"username": "vic", "password": PASSWORD})
    assert locked.status_code == 429  # the right password, but locked out: no code step offered
    assert "/login/verify/" not in locked.get("Location", "")


def test_an_api_token_asks_for_the_code_too(db, settings) -> None:
    """The token endpoint is no way around the second step: without the code it says what it needs, with a
    wrong one it refuses, with a backup code it issues the token (once)."""
    settings.OTP_STATIC_THROTTLE_FACTOR = settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait after the wrong code
    UserFactory(username="tomas", password=PASSWORD)
    _, codes = enrol(sign_in("tomas", PASSWORD))
    api = Client()

    def ask(**extra: str):  # type: ignore[no-untyped-def]
        return api.post("/api/v1/token/", {"username": "tomas", "password": PASSWORD, **extra}, content_type="application/json")

    missing = ask()
    assert missing.status_code == 400 and "otp" in missing.json()["error"]["details"]
    assert ask(otp="000000").status_code == 400
    issued = ask(otp=codes[0])
    assert issued.status_code == 200 and issued.json()["token"]
    assert ask(otp=codes[0]).status_code == 400  # a backup code works once


def test_turning_it_on_reaches_sessions_and_tokens_from_before(db) -> None:
    """Someone who stole the password signed in on another machine (and made an API token) before the owner
    turned two-factor sign-in on: that session now owes a code, and the token is revoked. The session that
    turned it on goes on without one."""
    owner = UserFactory(username="pat", password=PASSWORD)
    stolen = sign_in("pat", PASSWORD)
    assert stolen.get("/courses/").status_code == 200
    _, secret = issue(owner, name="thief's laptop")
    assert Client().get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200

    mine = sign_in("pat", PASSWORD)
    page = mine.post("/account/two-factor/setup/", follow=True).content.decode()
    shown = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert shown, page
    done = mine.post("/account/two-factor/confirm/", {"token": totp_code(secret_bytes(shown.group(1)))})
    assert done.status_code == 200 and 'id="two-factor-elsewhere"' in done.content.decode()
    assert "your 1 API token stopped working" in done.content.decode()
    assert mine.get("/courses/").status_code == 200  # this session gave the code

    held = stolen.get("/courses/")
    assert held.status_code == 302 and held["Location"] == "/login/verify/?next=%2Fcourses%2F"
    assert stolen.get("/account/")["Location"].startswith("/login/verify/")
    assert stolen.get("/login/verify/").status_code == 200  # the code step itself is open to it
    assert stolen.post("/login/verify/", {"token": "000000"}).status_code == 400
    token_refused = Client().get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert token_refused.status_code == 401
    assert stolen.post("/logout/").status_code == 302  # signing out is open too
