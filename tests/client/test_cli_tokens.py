"""The command-line client's sign-in against a live server: `login` keeps a named token that expires,
`tokens` lists them and `revoke` and `logout` revoke them; a token that expired or was revoked (by the API,
a password change, or signing out of the site) makes every command say so and ask to sign in again, never
a traceback. No worker needed: nothing is graded."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from web import tokens
from web.models import ApiToken

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client" / "gradient.py"
PASSWORD = "pw-ada-12345"
SIGN_IN_AGAIN = "Sign in again: python client/gradient.py login"

pytestmark = pytest.mark.django_db(transaction=True)


class Terminal:
    """Runs the client as a person would, with its own config folder (where `login` keeps the token)."""

    def __init__(self, url: str, home: Path) -> None:
        self.url, self.home = url, home

    @property
    def token_file(self) -> Path:
        return self.home / "gradient" / "token"

    def __call__(self, *args: str, stdin: str = "", token: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {key: value for key, value in os.environ.items() if key != "GRADIENT_TOKEN"}
        env |= {"GRADIENT_URL": self.url, "XDG_CONFIG_HOME": str(self.home)}
        if token is not None:
            env["GRADIENT_TOKEN"] = token
        # A session of its own: no controlling terminal, so getpass reads the password from stdin.
        result = subprocess.run([sys.executable, str(CLIENT), *args], input=stdin, capture_output=True, text=True,
                                env=env, timeout=60, check=False, start_new_session=True)
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def login(self, username: str = "ada", password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
        return self("login", stdin=f"{username}\n{password}\n")


@pytest.fixture
def terminal(live_server, tmp_path) -> Terminal:  # type: ignore[no-untyped-def]
    return Terminal(live_server.url, tmp_path / "config")


def test_login_keeps_a_named_token_and_asks_again_once_it_expired(terminal, student_user) -> None:
    signed_in = terminal.login()
    assert signed_in.returncode == 0, signed_in.stderr
    assert "signed in; token kept in" in signed_in.stdout and "valid until" in signed_in.stdout
    assert oct(terminal.token_file.stat().st_mode & 0o777) == "0o600"
    [row] = ApiToken.objects.filter(user=student_user)
    assert row.name.startswith("command line on ") and row.expiry is not None
    assert row.expiry - timezone.now() > timedelta(days=29)
    assert terminal("exercises").returncode == 0

    listing = terminal("tokens")
    assert listing.returncode == 0, listing.stderr
    assert f"{row.pk}*" in listing.stdout and "command line on" in listing.stdout
    assert terminal.token_file.read_text() not in listing.stdout

    ApiToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - timedelta(minutes=1))
    expired = terminal("history")
    assert expired.returncode == 1
    assert "error: your sign-in has expired or was revoked" in expired.stderr and SIGN_IN_AGAIN in expired.stderr

    again = terminal.login()
    assert again.returncode == 0, again.stderr
    assert terminal("history").returncode == 0


def test_a_wrong_password_is_a_sentence(terminal, student_user) -> None:
    refused = terminal.login(password="not-it")
    assert refused.returncode == 1
    assert "Unable to sign in with this user name and password." in refused.stderr
    assert not terminal.token_file.exists()


def test_revoke_and_logout(terminal, student_user) -> None:
    laptop, laptop_secret = tokens.issue(student_user, name="laptop")
    assert terminal.login().returncode == 0
    revoked = terminal("revoke", str(laptop.pk))
    assert revoked.returncode == 0 and f"token {laptop.pk} revoked" in revoked.stdout
    assert not ApiToken.objects.filter(pk=laptop.pk).exists()
    missing = terminal("revoke", str(laptop.pk))
    assert missing.returncode == 1 and "error:" in missing.stderr

    out = terminal("logout")
    assert out.returncode == 0 and "signed out: token revoked" in out.stdout
    assert not terminal.token_file.exists() and not ApiToken.objects.filter(user=student_user).exists()
    after = terminal("history")
    assert after.returncode == 1 and "you are not signed in" in after.stderr and "login" in after.stderr

    # --all signs every device out; a second logout with a dead token still forgets it.
    tokens.issue(student_user, name="desktop")
    assert terminal.login().returncode == 0
    kept = terminal.token_file.read_text()
    everywhere = terminal("logout", "--all")
    assert everywhere.returncode == 0 and not ApiToken.objects.filter(user=student_user).exists()
    terminal.token_file.parent.mkdir(parents=True, exist_ok=True)
    terminal.token_file.write_text(kept)
    stale = terminal("logout")
    assert stale.returncode == 0 and "already expired or been revoked" in stale.stdout
    assert not terminal.token_file.exists()


def test_a_password_change_or_signing_out_of_the_site_makes_the_client_ask_again(terminal, student_user) -> None:
    _, secret = tokens.issue(student_user, name="from the environment")
    assert terminal("history", token=secret).returncode == 0
    browser = Client()
    form = {"username": "ada", "password": PASSWORD}
    assert browser.post("/login/", urlencode(form), content_type="application/x-www-form-urlencoded").status_code == 302
    assert browser.post("/logout/").status_code == 302
    revoked = terminal("history", token=secret)
    assert revoked.returncode == 1
    assert "the token in GRADIENT_TOKEN has expired or was revoked" in revoked.stderr
    assert SIGN_IN_AGAIN in revoked.stderr

    assert terminal.login().returncode == 0
    student_user.refresh_from_db()
    student_user.set_password("a-new-one-123")
    student_user.save()
    changed = terminal("assignments")
    assert changed.returncode == 1 and "your sign-in has expired or was revoked" in changed.stderr
