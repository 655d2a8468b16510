"""Sign-in throttling (django-axes, web/lockouts.py) on the sign-in page, the admin's sign-in and the API's
token endpoint, counted in PostgreSQL (the test database): 5 failures lock out that user name from that
client address for 15 minutes, right password included, with a 429 that says so; the students of a class
whose user names an attacker guessed from one address still sign in from theirs; one address spraying many
user names is stopped by the looser per-client limit; sign-ins without a password (single sign-on) are never
counted. The multi-process side (gunicorn, 3 processes) is in test_shared_rate_limit.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request

from tests.support.factories import UserFactory

ATTACKER = "203.0.113.66"
LIMIT = 5


@pytest.fixture(autouse=True)
def fast_hasher(settings) -> None:  # type: ignore[no-untyped-def]
    """Dozens of sign-ins: a cheap hash (the throttle counts, whatever checks the password)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(username: str, password: str, address: str = "198.51.100.1", path: str = "/login/") -> tuple[int, str]:
    response = Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password})
    return response.status_code, response.content.decode()


def signs_in(username: str, address: str) -> bool:
    status, _ = login(username, f"pw-{username}-12345", address)
    return status == 302


def test_the_fifth_failure_locks_the_pair_out_with_a_429_page(db) -> None:
    UserFactory(username="ada")
    statuses = [login("ada", f"guess-{n}")[0] for n in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]
    status, page = login("ada", "pw-ada-12345")  # the right password, from the same address
    assert status == 429
    assert "Too many failed sign-in attempts" in page and "paused for 15 minutes" in page
    assert 'href="/password/reset/"' in page
    response = Client(REMOTE_ADDR="198.51.100.1").post("/login/", {"username": "ada", "password": "x"})
    assert response["Retry-After"] == str(15 * 60)
    # Attempts while locked out neither count nor extend the cool-off.
    assert AccessAttempt.objects.get(username="ada").failures_since_start == LIMIT


def test_the_lock_is_per_user_name_and_client(db) -> None:
    UserFactory(username="ada")
    UserFactory(username="grace")
    for n in range(LIMIT):
        login("ada", f"guess-{n}", ATTACKER)
    assert login("ada", "pw-ada-12345", ATTACKER)[0] == 429
    assert signs_in("ada", "198.51.100.7")  # ada herself, from her own address
    assert signs_in("grace", ATTACKER)  # someone else behind the attacker's address


def test_guessing_a_whole_class_from_one_address_locks_no_student_out(db, settings) -> None:
    settings.GRADIENT_SIGNIN_FAILURES_PER_CLIENT = 30
    students = [f"student{n}" for n in range(8)]
    for name in students:
        UserFactory(username=name)
    refused = 0
    for name in students:
        for n in range(LIMIT):
            refused += login(name, f"guess-{n}", ATTACKER)[0] == 429
    # 8 x 5 = 40 guesses: the 5th of each pair is refused, up to the 30th guess, which locks the address as a
    # whole; every guess after it is refused unchecked.
    per_client, guesses = settings.GRADIENT_SIGNIN_FAILURES_PER_CLIENT, len(students) * LIMIT
    assert refused == per_client // LIMIT + (guesses - per_client)
    assert login("someone-new", "guess", ATTACKER)[0] == 429  # the per-client limit: any user name
    for index, name in enumerate(students):
        assert signs_in(name, f"198.51.100.{10 + index}"), name


def test_the_lock_lifts_after_the_cool_off(db) -> None:
    UserFactory(username="ada")
    for n in range(LIMIT):
        login("ada", f"guess-{n}")
    assert not signs_in("ada", "198.51.100.1")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert signs_in("ada", "198.51.100.1")
    assert not AccessAttempt.objects.exists()  # a success clears the pair's failures


def test_the_admin_sign_in_is_throttled(db) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    statuses = [login("root", f"guess-{n}", path="/admin/login/?next=/admin/")[0] for n in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert login("root", "pw-root-12345", path="/admin/login/?next=/admin/")[0] == 429


def test_the_api_token_endpoint_is_throttled_with_the_api_error_body(db) -> None:
    UserFactory(username="ada")
    api = Client(REMOTE_ADDR=ATTACKER)

    def token(password: str):  # type: ignore[no-untyped-def]
        return api.post("/api/v1/token/", {"username": "ada", "password": password}, content_type="application/json")

    statuses = [token(f"guess-{n}").status_code for n in range(LIMIT)]
    assert statuses[: LIMIT - 1] == [400] * (LIMIT - 1) and statuses[-1] == 429
    locked = token("pw-ada-12345")
    assert locked.status_code == 429 and locked["Retry-After"] == str(15 * 60)
    error = locked.json()["error"]
    assert error["code"] == "locked_out" and "Too many failed sign-in attempts" in error["message"]
    assert error["details"] == {"retry_after_s": 15 * 60}
    assert "token" not in locked.json()
    # The same counter as the sign-in page: the pair is locked there too.
    assert login("ada", "pw-ada-12345", ATTACKER)[0] == 429


def test_a_drf_request_handed_to_authenticate_marks_the_request_the_middleware_sees(db) -> None:
    """A view that passes DRF's Request (not its HttpRequest) to authenticate is counted all the same, and
    the lock-out mark reaches the HttpRequest that axes' middleware turns into the 429."""
    UserFactory(username="ada")
    http = RequestFactory().post("/api/v1/token/", REMOTE_ADDR=ATTACKER)
    wrapped = Request(http, parsers=[FormParser(), MultiPartParser()])
    for n in range(LIMIT):
        assert authenticate(request=wrapped, username="ada", password=f"guess-{n}") is None
    assert AccessAttempt.objects.get(username="ada").failures_since_start == LIMIT
    assert getattr(http, "axes_locked_out", False) is True


def test_sign_ins_without_a_password_are_never_counted(db) -> None:
    """Single sign-on and LTI launches go through authenticate without a password: a provider's failures
    must not lock a campus out of it."""
    http = RequestFactory().get("/oidc/callback/", REMOTE_ADDR=ATTACKER)
    for _ in range(2 * LIMIT):
        assert authenticate(request=http, code="forged", state="forged") is None
    assert not AccessAttempt.objects.exists()
    UserFactory(username="ada")
    assert signs_in("ada", ATTACKER)


@pytest.mark.parametrize(("proxies", "forwarded", "client"), [
    (0, "1.2.3.4", "10.0.0.9"),  # no proxy trusted: the header is the client's own word, ignored
    (1, "1.2.3.4", "1.2.3.4"),
    (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # what the client sent itself stays on the left
    (2, "6.6.6.6, 1.2.3.4, 172.16.0.2", "1.2.3.4"),
    (1, "", "10.0.0.9"),
])
def test_the_client_address_behind_trusted_proxies(settings, proxies: int, forwarded: str, client: str) -> None:
    from web.throttles import client_address

    settings.GRADIENT_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == client


def test_behind_a_proxy_each_client_is_counted_apart(db, settings) -> None:
    settings.GRADIENT_TRUSTED_PROXIES = 1
    UserFactory(username="ada")
    proxy = "10.0.0.2"
    for n in range(LIMIT):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=ATTACKER).post("/login/", {"username": "ada", "password": f"g{n}"})
    locked = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=ATTACKER).post(
        "/login/", {"username": "ada", "password": "pw-ada-12345"})
    assert locked.status_code == 429
    ada = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").post(
        "/login/", {"username": "ada", "password": "pw-ada-12345"})
    assert ada.status_code == 302  # the same proxy, another client
