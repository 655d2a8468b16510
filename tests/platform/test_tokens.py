"""API tokens against PostgreSQL: signed in for with a password (through django.contrib.auth.authenticate),
stored hashed, several per user, expiring at a fixed time; listed and revoked by their owner only (API and
page); revoked by the API's logout, by signing out of the site, by a password change or reset, and by
deactivation, but not by Django re-hashing a password on sign-in. Plain tokens of DRF's authtoken carried
over by the migration."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from knox.crypto import hash_token
from rest_framework.test import APIClient

from tests.support.factories import UserFactory
from tests.support.paths import ROOT
from web import tokens
from web.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "pw-ada-12345"


def api(secret: str | None = None) -> APIClient:
    client = APIClient()
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def sign_in(username: str = "ada", password: str = PASSWORD, **extra: str) -> Any:
    return APIClient().post("/api/v1/token/", {"username": username, "password": password, **extra}, format="json")


def post_form(browser: Client, url: str, data: dict[str, str]) -> Any:
    """A form as a browser sends it (urlencoded; the test client's default is multipart)."""
    return browser.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")


def browser_signed_in(username: str = "ada", password: str = PASSWORD) -> Client:
    """Signed in through the sign-in page, as a person is."""
    browser = Client()
    answer = post_form(browser, "/login/", {"username": username, "password": password})
    assert answer.status_code == 302 and answer["Location"] == "/", answer
    return browser


def works(secret: str) -> bool:
    status = api(secret).get("/api/v1/tokens/").status_code
    assert status in (200, 401), status
    return status == 200


def close_to(when: str, expected: timedelta) -> bool:
    from rest_framework.fields import DateTimeField

    return abs(DateTimeField().to_internal_value(when) - (timezone.now() + expected)) < timedelta(minutes=1)


# --------------------------------------------------------------------------- signing in


def test_sign_in_gives_a_token_that_is_stored_hashed_and_expires_in_30_days(student_user) -> None:
    answer = sign_in(name="laptop CLI")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    secret = body["token"]
    assert len(secret) == 64 and body["name"] == "laptop CLI" and body["last_used"] is None
    assert close_to(body["expires_at"], timedelta(days=30))
    assert works(secret)

    # What the database holds cannot sign in: a SHA-512 digest and the first 15 characters, nothing more.
    row = ApiToken.objects.get(pk=body["id"])
    assert row.digest == hash_token(secret) and row.token_key == secret[:15]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM web_apitoken")
        stored = [str(value) for line in cursor.fetchall() for value in line]
    assert not any(secret in value for value in stored)
    assert not works(row.digest) and not works(secret[:15] + "0" * 49)

    # As the README's curl sends it (a form), and with no name.
    form = APIClient().post("/api/v1/token/", urlencode({"username": "ada", "password": PASSWORD}),
                            content_type="application/x-www-form-urlencoded")
    assert form.status_code == 200 and form.json()["name"] == "API token"


def test_a_wrong_password_is_refused_through_djangos_authenticate(student_user) -> None:
    """Failures reach django.contrib.auth.authenticate with the HttpRequest, where the sign-in throttle counts."""
    failures: list[dict[str, Any]] = []

    def record(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        failures.append({"credentials": credentials, "request": request})

    user_login_failed.connect(record)
    try:
        answer = sign_in(password="not-the-password")
    finally:
        user_login_failed.disconnect(record)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["details"] == {"non_field_errors": ["Unable to sign in with this user name and password."]}
    [failure] = failures
    assert failure["credentials"]["username"] == "ada" and isinstance(failure["request"], HttpRequest)
    assert not ApiToken.objects.exists()
    # An inactive account gets no token either, with the right password.
    UserFactory(username="gone", password=PASSWORD, is_active=False)
    assert sign_in("gone").status_code == 400


def test_the_lifetime_comes_from_the_settings_and_the_environment(student_user, settings) -> None:
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=2)}
    assert close_to(sign_in().json()["expires_at"], timedelta(days=2))
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from django.conf import settings as s; "
         "print('TTL', s.REST_KNOX['TOKEN_TTL'].days)"],
        cwd=ROOT, env={**os.environ, "API_TOKEN_DAYS": "7"}, capture_output=True, text=True, check=True, timeout=60,
    )
    assert "TTL 7" in shown.stdout.splitlines()


def test_an_expired_token_is_a_401_that_says_to_sign_in_again(student_user) -> None:
    row, secret = tokens.issue(student_user)
    ApiToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    answer = api(secret).get("/api/v1/exercises/")
    assert answer.status_code == 401 and answer["WWW-Authenticate"] == "Token"
    message = answer.json()["error"]["message"]
    assert "expired or was revoked" in message and "gradient login" in message
    assert not ApiToken.objects.filter(pk=row.pk).exists()  # knox deletes it on sight


@pytest.mark.parametrize("header", ["Token \x00" + "a" * 63, "Token " + "é" * 40, "Token " + "g" * 64, "Token"])
def test_malformed_tokens_are_a_401_never_a_server_error(header) -> None:
    answer = APIClient().get("/api/v1/exercises/", HTTP_AUTHORIZATION=header)
    assert answer.status_code == 401, answer.content


def test_a_user_holds_a_bounded_number_of_tokens(student_user, settings) -> None:
    settings.GRADIENT_API_TOKENS_PER_USER = 2
    first, second = sign_in().json(), sign_in().json()
    refused = sign_in()
    assert refused.status_code == 409
    assert "Revoke the ones you no longer use" in refused.json()["error"]["details"]["token"][0]
    assert api(first["token"]).delete(f"/api/v1/tokens/{first['id']}/").status_code == 204
    assert sign_in().status_code == 200 and works(second["token"])


# --------------------------------------------------------------------------- listing and revoking


def test_the_owner_lists_their_tokens_without_the_secrets(student_user, other_student) -> None:
    laptop, laptop_secret = tokens.issue(student_user, name="laptop")
    _, desktop_secret = tokens.issue(student_user, name="desktop")
    _, graces = tokens.issue(other_student, name="grace's")
    expired, _ = tokens.issue(student_user, name="old")
    ApiToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - timedelta(days=1))

    answer = api(laptop_secret).get("/api/v1/tokens/")
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [row["name"] for row in rows] == ["desktop", "laptop"]  # newest first; not grace's, not the expired
    assert set(rows[0]) == {"id", "name", "created", "last_used", "expires_at", "current"}
    assert [row["current"] for row in rows] == [False, True]
    assert rows[1]["last_used"] is not None and rows[0]["last_used"] is None
    for secret in (laptop_secret, desktop_secret, graces):
        assert secret not in answer.content.decode() and secret[:15] not in answer.content.decode()
    detail = api(laptop_secret).get(f"/api/v1/tokens/{laptop.pk}/").json()
    assert detail["name"] == "laptop" and detail["current"] is True


def test_last_used_is_written_at_most_once_a_minute(student_user, django_assert_num_queries) -> None:
    row, secret = tokens.issue(student_user)
    assert works(secret)
    first = ApiToken.objects.get(pk=row.pk).last_used
    assert first is not None
    assert works(secret)
    assert ApiToken.objects.get(pk=row.pk).last_used == first
    ApiToken.objects.filter(pk=row.pk).update(last_used=timezone.now() - timedelta(minutes=2))
    assert works(secret)
    assert ApiToken.objects.get(pk=row.pk).last_used > first


def test_nobody_sees_or_revokes_another_users_token(student_user, other_student) -> None:
    mine, my_secret = tokens.issue(student_user)
    theirs, their_secret = tokens.issue(other_student)
    me = api(my_secret)
    assert me.get(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    assert me.delete(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    assert me.get("/api/v1/tokens/999999/").status_code == 404
    assert works(their_secret)

    second, second_secret = tokens.issue(student_user, name="second")
    assert me.delete(f"/api/v1/tokens/{second.pk}/").status_code == 204
    assert not works(second_secret) and works(my_secret)
    assert me.delete(f"/api/v1/tokens/{mine.pk}/").status_code == 204  # its own: the last thing it does
    assert not works(my_secret)


def test_api_logout_revokes_the_token_used_and_logout_all_every_one(student_user, other_student) -> None:
    _, first = tokens.issue(student_user)
    _, second = tokens.issue(student_user)
    _, third = tokens.issue(student_user)
    _, graces = tokens.issue(other_student)
    assert api(first).post("/api/v1/token/logout/").status_code == 204
    assert not works(first) and works(second) and works(third)
    assert api(first).post("/api/v1/token/logout/").status_code == 401
    assert api(second).post("/api/v1/token/logout-all/").status_code == 204
    assert not works(second) and not works(third)
    assert works(graces)
    # A browser session may revoke them all too (not "the token used": it has none).
    _, fourth = tokens.issue(student_user)
    browser = browser_signed_in()
    assert browser.post("/api/v1/token/logout/").status_code == 401
    assert browser.post("/api/v1/token/logout-all/").status_code == 204 and not works(fourth)


def test_the_schema_documents_the_token_endpoints(client) -> None:
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert paths["/api/v1/token/"]["post"].get("security", []) in ([], [{}])  # no credential but the password
    assert "post" in paths["/api/v1/token/logout/"] and "post" in paths["/api/v1/token/logout-all/"]
    assert "get" in paths["/api/v1/tokens/"] and {"get", "delete"} <= set(paths["/api/v1/tokens/{id}/"])
    issued = paths["/api/v1/token/"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    properties = schema["components"]["schemas"][issued.split("/")[-1]]["properties"]
    assert {"token", "expires_at", "id", "name"} <= set(properties)
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    assert {"tokenAuth": []} in paths["/api/v1/tokens/"]["get"]["security"]


# --------------------------------------------------------------------------- revoked when credentials change


def test_signing_out_of_the_site_revokes_every_token(student_user, other_student) -> None:
    _, cli = tokens.issue(student_user)
    _, graces = tokens.issue(other_student)
    browser = browser_signed_in()
    assert works(cli)
    assert browser.post("/logout/").status_code == 302
    assert not works(cli) and works(graces)


def test_a_password_change_on_the_page_revokes_every_token(student_user) -> None:
    _, cli = tokens.issue(student_user)
    browser = browser_signed_in()
    done = post_form(
        browser,
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": "second-secret-77", "new_password2": "second-secret-77"},
    )
    assert done.status_code == 302
    assert not works(cli)


def test_a_password_reset_revokes_every_token(student_user) -> None:
    _, cli = tokens.issue(student_user)
    uid = urlsafe_base64_encode(force_bytes(student_user.pk))
    browser = Client()
    form = browser.get(f"/password/reset/{uid}/{default_token_generator.make_token(student_user)}/", follow=True)
    assert form.status_code == 200
    done = post_form(browser, form.redirect_chain[-1][0], {"new_password1": "orbit-lantern-42",
                                                           "new_password2": "orbit-lantern-42"})
    assert done.status_code == 302 and done["Location"] == "/password/reset/done/"
    assert not works(cli)


def test_any_password_change_and_deactivation_revoke_but_a_rehash_does_not(student_user, settings) -> None:
    _, cli = tokens.issue(student_user)
    student_user.first_name = "Ada"
    student_user.save()
    student_user.save(update_fields=["last_login"])
    assert works(cli)  # other changes keep them
    # The admin or manage.py changepassword: set_password and save.
    student_user.set_password("a-new-one-123")
    student_user.save()
    assert not works(cli)

    # Django re-hashes with stronger parameters when someone signs in after an upgrade: the same password.
    weak = PBKDF2PasswordHasher()
    student_user.password = weak.encode(PASSWORD, weak.salt(), iterations=1000)
    student_user.save()
    _, cli = tokens.issue(student_user)
    before = student_user.password
    browser_signed_in()
    student_user.refresh_from_db()
    assert student_user.password != before  # re-hashed
    assert works(cli)

    student_user.is_active = False
    student_user.save()
    assert ApiToken.objects.filter(user=student_user).count() == 0


# --------------------------------------------------------------------------- the owner's page


def test_the_tokens_page_lists_and_revokes_the_owners_tokens(student_user, other_student) -> None:
    laptop, laptop_secret = tokens.issue(student_user, name="laptop CLI")
    _, desktop_secret = tokens.issue(student_user, name="desktop")
    theirs, their_secret = tokens.issue(other_student, name="grace's laptop")
    browser = browser_signed_in()
    assert 'href="/account/tokens/"' in browser.get("/account/").content.decode()  # the account page links it
    page = browser.get("/account/tokens/").content.decode()
    assert "laptop CLI" in page and "desktop" in page and "grace&#x27;s laptop" not in page
    assert laptop_secret not in page and laptop_secret[:15] not in page and laptop.digest not in page
    words = " ".join(page.split())
    assert "Signing out of this site revokes every API token of yours" in words
    assert "lasts 30 days" in words
    # The Content-Security-Policy's rules: no inline script, style or handler in this page's own markup.
    own = page.split("<main>", 1)[1]
    assert "style=" not in own and "<script" not in own and " on" + "click=" not in own

    assert browser.post(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404
    assert works(their_secret)
    revoked = browser.post(f"/account/tokens/{laptop.pk}/revoke/", follow=True)
    assert "The token is revoked" in revoked.content.decode() and "laptop CLI" not in revoked.content.decode()
    assert not works(laptop_secret) and works(desktop_secret)
    assert browser.get(f"/account/tokens/{laptop.pk}/revoke/").status_code == 405
    done = browser.post("/account/tokens/revoke-all/", follow=True).content.decode()
    assert "1 token revoked." in done and 'id="no-tokens"' in done
    assert not works(desktop_secret) and works(their_secret)
    assert Client().get("/account/tokens/")["Location"].startswith("/login/")


# --------------------------------------------------------------------------- DRF's plain tokens, carried over


def test_plain_tokens_of_drf_are_carried_over_hashed_and_their_table_dropped(student_user) -> None:
    plain = "3f1c2e4d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"  # DRF's format: 40 hexadecimal characters
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, "
                       "user_id integer NOT NULL)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [plain, student_user.pk])
    migration = importlib.import_module("web.migrations.0002_carry_over_plain_tokens")
    from django.apps import apps

    with connection.schema_editor() as editor:
        migration.carry_over_plain_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    row = ApiToken.objects.get(user=student_user)
    assert row.digest == hash_token(plain) and plain not in row.digest
    assert row.expiry is not None and row.expiry - timezone.now() > timedelta(days=29)
    assert works(plain)


@pytest.mark.parametrize("accept", ["text/html", "application/json", "*/*", "application/xml", "bogus"])
def test_the_token_endpoints_answer_any_accept_header_without_a_500(student_user, accept) -> None:
    row, secret = tokens.issue(student_user)
    client = api(secret)
    for url in ("/api/v1/tokens/", f"/api/v1/tokens/{row.pk}/", "/api/v1/token/", "/api/v1/token/logout/"):
        answer = client.get(url, HTTP_ACCEPT=accept)
        assert answer.status_code < 500, (url, accept, answer.status_code)
        if accept == "text/html" and "tokens" in url:
            assert answer.status_code == 200 and secret not in answer.content.decode(), url
    assert works(secret)


def test_a_site_administrator_revokes_tokens_in_the_admin(student_user) -> None:
    row, secret = tokens.issue(student_user, name="laptop")
    admin_user = UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin_user)
    listing = browser.get("/admin/web/apitoken/").content.decode()
    assert "laptop" in listing and row.digest not in listing and secret[:15] not in listing
    assert browser.get("/admin/web/apitoken/add/").status_code == 403
    done = post_form(browser, f"/admin/web/apitoken/{row.pk}/delete/", {"post": "yes"})
    assert done.status_code == 302 and not works(secret)
