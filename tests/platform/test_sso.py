"""Single sign-on end to end, against a real OpenID provider on loopback: panva's certified oidc-provider,
run with the machine's node (tests/support/oidc_provider/), with its own login and consent pages. A person
with a browser (a requests session keeping each site's cookies; Chromium in the last test) follows the
sign-in page's button to the provider, signs in there, allows access and comes back to the live site.

The matching rules of accounts/sso.py: issuer and subject first; an existing account only through an address
the provider says it verified AND a local user verified; otherwise a new account (or a refusal); inactive
users, a tampered state, a wrong nonce and a replayed callback are refused.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore

from accounts import sso, usernames
from accounts.emails import is_verified, mark_verified
from accounts.models import ExternalIdentity, VerifiedEmail
from tests.support.factories import UserFactory
from tests.support.paths import ARTIFACTS
from tests.support.processes import wait_for

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "support" / "oidc_provider"
CLIENT_ID = "gradient-tests"
CLIENT_SECRET = "a-test-client-secret-" + hashlib.sha256(b"gradient sso").hexdigest()[:16]
PASSWORD = "uni-pass-2026"  # every account's, in provider.mjs
NAME = "Test University"

# The live server's thread and the tests share rows: transactional tests (emptied after each, which costs).
live = pytest.mark.django_db(transaction=True)


# --------------------------------------------------------------------------- the provider


def ensure_node_modules() -> None:
    """npm ci in the provider's folder when its packages are missing or older than the lock file."""
    lock = PROVIDER_DIR / "package-lock.json"
    stamp = PROVIDER_DIR / "node_modules" / ".gradient-lock-sha256"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not on PATH: the OpenID provider's packages cannot be installed")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=PROVIDER_DIR, check=True, timeout=300)
    stamp.write_text(digest)


@dataclass(frozen=True)
class Provider:
    issuer: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture(scope="session")
def oidc_provider(live_server) -> Iterator[Provider]:  # type: ignore[no-untyped-def]
    """The provider, started once for the whole session, with this site's callback as its one redirect URI."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: no OpenID provider can be started")
    ensure_node_modules()
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "oidc-provider.log").open("ab") as log:
        process = subprocess.Popen(
            [node, "provider.mjs", str(port), f"{live_server.url}/oidc/callback/", CLIENT_ID, CLIENT_SECRET],
            cwd=PROVIDER_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_for(lambda: process.poll() is not None or _answers(f"{issuer}/.well-known/openid-configuration"),
                 30, "the OpenID provider to answer")
        assert process.poll() is None, "the OpenID provider exited: see test-artifacts/oidc-provider.log"
        yield Provider(issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso_on(settings, oidc_provider: Provider) -> Provider:  # type: ignore[no-untyped-def]
    """Single sign-on configured as a deployment would: the issuer alone (endpoints by discovery)."""
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = NAME
    settings.OIDC_CREATE_USER = True
    return oidc_provider


# --------------------------------------------------------------------------- a person with a browser


class Visitor:
    """One browser: a requests session, which keeps the site's and the provider's cookies apart by host."""

    def __init__(self, site: str, provider: Provider) -> None:
        self.site = site
        self.provider = provider
        self.http = requests.Session()

    def start(self, next_path: str | None = None) -> requests.Response:
        """Opens the sign-in page and follows its SSO button: lands on the provider's login page."""
        login_page = self.http.get(f"{self.site}/login/" + (f"?next={next_path}" if next_path else ""))
        button = re.search(r'id="sso-button" href="([^"]+)"', login_page.text)
        assert button, "the sign-in page shows no SSO button"
        page = self.http.get(urljoin(self.site, html.unescape(button.group(1))))
        assert page.url.startswith(self.provider.issuer) and "Sign in to the University" in page.text, page.text
        return page

    def _submit(self, page: requests.Response, fields: dict[str, str]) -> requests.Response:
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action, page.text
        return self.http.post(urljoin(page.url, action.group(1)), data=fields, allow_redirects=False)

    def sign_in_at_provider(self, page: requests.Response, login: str, password: str = PASSWORD) -> str:
        """Signs in on the provider's login page and allows access on its consent page; returns the URL the
        provider sends the browser back to, not yet visited."""
        response = self._submit(page, {"login": login, "password": password})
        for _consent_or_redirect in range(10):
            if response.is_redirect:
                location = urljoin(response.url, response.headers["location"])
                if not location.startswith(self.provider.issuer):
                    return location
                response = self.http.get(location, allow_redirects=False)
            elif "Allow access" in response.text:
                response = self._submit(response, {})
            else:
                raise AssertionError(f"unexpected page at the provider: {response.status_code} {response.text}")
        raise AssertionError("the provider never sent the browser back")

    def come_back(self, url: str) -> requests.Response:
        return self.http.get(url)

    def sign_in(self, login: str, next_path: str | None = None) -> requests.Response:
        return self.come_back(self.sign_in_at_provider(self.start(next_path), login))

    def session(self) -> SessionStore:
        return SessionStore(session_key=self.http.cookies.get("sessionid"))

    def user(self) -> User | None:
        """Who the site's session is signed in as."""
        user_id = self.session().get("_auth_user_id")
        return User.objects.get(pk=user_id) if user_id else None


def visitor(live_server, provider: Provider) -> Visitor:  # type: ignore[no-untyped-def]
    return Visitor(live_server.url, provider)


def identity_of(user: User) -> ExternalIdentity:
    return ExternalIdentity.objects.get(user=user, kind="oidc")


def assert_refused(response: requests.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert 'id="sso-refused"' in response.text
    assert words in html.unescape(response.text)


# --------------------------------------------------------------------------- the tests


@live
def test_the_button_shows_only_where_sso_is_configured(live_server, settings, oidc_provider) -> None:  # type: ignore[no-untyped-def]
    settings.OIDC_ISSUER = ""
    page = requests.get(f"{live_server.url}/login/")
    assert page.status_code == 200 and "sso-button" not in page.text
    assert requests.get(f"{live_server.url}/oidc/authenticate/", allow_redirects=False).status_code == 404
    assert requests.get(f"{live_server.url}/oidc/callback/?code=x&state=y").status_code == 404

    settings.OIDC_ISSUER, settings.OIDC_RP_CLIENT_ID, settings.OIDC_PROVIDER_NAME = oidc_provider.issuer, CLIENT_ID, NAME
    page = requests.get(f"{live_server.url}/login/?next=/courses/")
    assert f"Sign in with {NAME}</a>" in page.text
    assert 'href="/oidc/authenticate/?next=/courses/"' in page.text


@live
def test_first_sign_in_creates_the_user_and_the_second_finds_them(live_server, sso_on) -> None:  # type: ignore[no-untyped-def]
    before = User.objects.count()
    browser = visitor(live_server, sso_on)
    landed = browser.sign_in("ada.lovelace", next_path="/courses/")

    assert landed.status_code == 200 and landed.url == f"{live_server.url}/courses/"
    user = browser.user()
    assert user is not None and user.username == "ada.lovelace"
    assert "ada.lovelace" in landed.text  # the header shows who is signed in
    assert (user.first_name, user.last_name, user.email) == ("Ada", "Lovelace", "ada@uni.test")
    assert not user.has_usable_password()
    identity = identity_of(user)
    assert (identity.issuer, identity.subject) == (sso_on.issuer, "sub-" + b"ada.lovelace".hex())
    first_seen = identity.last_login_at
    # The provider vouched for the address and nobody here had it: it counts as verified, from the provider.
    assert is_verified(user, "ada@uni.test")
    assert VerifiedEmail.objects.get(user=user).source == f"oidc:{sso_on.issuer}"
    assert User.objects.count() == before + 1

    again = visitor(live_server, sso_on)
    assert again.sign_in("ada.lovelace").url == f"{live_server.url}/"
    assert again.user() == user
    assert User.objects.count() == before + 1 and ExternalIdentity.objects.count() == 1
    assert identity_of(user).last_login_at > first_seen


@live
def test_the_authorisation_request_uses_pkce_state_and_nonce(live_server, sso_on) -> None:  # type: ignore[no-untyped-def]
    browser = visitor(live_server, sso_on)
    start = browser.http.get(f"{live_server.url}/oidc/authenticate/", allow_redirects=False)
    assert start.status_code == 302
    request = dict(parse_qsl(urlsplit(start.headers["location"]).query))
    assert start.headers["location"].startswith(f"{sso_on.issuer}/auth?")
    assert request["code_challenge_method"] == "S256" and len(request["code_challenge"]) == 43
    assert len(request["state"]) >= 32 and len(request["nonce"]) >= 32
    assert request["redirect_uri"] == f"{live_server.url}/oidc/callback/"
    assert set(request["scope"].split()) == {"openid", "email", "profile"}
    stored = browser.session()["oidc_states"][request["state"]]
    assert stored["nonce"] == request["nonce"] and stored["code_verifier"]


@live
def test_a_verified_address_on_both_sides_links_the_existing_account(live_server, sso_on) -> None:  # type: ignore[no-untyped-def]
    grace = UserFactory(username="ghopper", email="Grace@uni.test")
    mark_verified(grace, "Grace@uni.test")  # she followed our verification link
    browser = visitor(live_server, sso_on)
    browser.sign_in("grace")
    assert browser.user() == grace
    assert identity_of(grace).subject == "sub-" + b"grace".hex()
    assert User.objects.count() == 1
    grace.refresh_from_db()
    assert grace.has_usable_password()  # linking changes nothing else about the account


@live
@pytest.mark.parametrize(
    "login, address", [("mallory", "victim@uni.test"), ("quiet", "quiet@uni.test")],
    ids=["provider-says-unverified", "provider-says-nothing"],
)
def test_an_address_the_provider_does_not_vouch_for_never_links(live_server, sso_on, login, address) -> None:  # type: ignore[no-untyped-def]
    owner = UserFactory(username="owner", email=address)
    mark_verified(owner, address)
    browser = visitor(live_server, sso_on)
    browser.sign_in(login)
    newcomer = browser.user()
    assert newcomer is not None and newcomer != owner and newcomer.username == login
    assert newcomer.email == ""  # an unproven address is not kept: reset mail would reach its owner
    assert not VerifiedEmail.objects.filter(user=newcomer).exists()
    assert is_verified(owner, address) and not ExternalIdentity.objects.filter(user=owner).exists()


@live
def test_an_address_nobody_here_verified_never_links(live_server, sso_on) -> None:  # type: ignore[no-untyped-def]
    local = UserFactory(username="linus_local", email="linus@uni.test")  # from a roster: never verified
    browser = visitor(live_server, sso_on)
    browser.sign_in("linus")
    newcomer = browser.user()
    assert newcomer is not None and newcomer != local and newcomer.username == "linus"
    assert is_verified(newcomer, "linus@uni.test")  # the provider vouched; nobody here had proved it
    assert not ExternalIdentity.objects.filter(user=local).exists()


@live
def test_without_account_creation_an_unmatched_person_is_refused(live_server, sso_on, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OIDC_CREATE_USER = False
    owner = UserFactory(username="owner", email="victim@uni.test")
    mark_verified(owner, "victim@uni.test")
    browser = visitor(live_server, sso_on)
    refused = browser.sign_in("mallory")
    assert_refused(refused, 403, "does not create accounts on first sign-in")
    assert browser.user() is None
    assert list(User.objects.all()) == [owner] and not ExternalIdentity.objects.exists()

    # Someone the rules do match still signs in with creation off.
    grace = UserFactory(username="ghopper")
    mark_verified(grace, "grace@uni.test")
    assert visitor(live_server, sso_on).sign_in("grace").status_code == 200
    assert ExternalIdentity.objects.get().user == grace


@live
def test_inactive_users_are_refused(live_server, sso_on) -> None:  # type: ignore[no-untyped-def]
    first = visitor(live_server, sso_on)
    first.sign_in("ada.lovelace")
    ada = first.user()
    assert ada is not None
    User.objects.filter(pk=ada.pk).update(is_active=False)
    assert first.http.get(f"{live_server.url}/courses/").url.startswith(f"{live_server.url}/login/")

    browser = visitor(live_server, sso_on)
    assert_refused(browser.sign_in("ada.lovelace"), 403, "This account is disabled")
    assert browser.user() is None

    grace = UserFactory(username="ghopper", is_active=False)  # and one matched by a verified address
    mark_verified(grace, "grace@uni.test")
    browser = visitor(live_server, sso_on)
    assert_refused(browser.sign_in("grace"), 403, "This account is disabled")
    assert browser.user() is None and not ExternalIdentity.objects.filter(user=grace).exists()


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


@live
def test_a_tampered_state_or_issuer_and_a_replayed_callback_are_refused(live_server, sso_on) -> None:  # type: ignore[no-untyped-def]
    browser = visitor(live_server, sso_on)
    back = browser.sign_in_at_provider(browser.start(), "ada.lovelace")
    assert_refused(browser.come_back(_with_query(back, state="forged-state-" + "x" * 20)), 400, "could not be checked")
    assert_refused(browser.come_back(_with_query(back, iss="http://127.0.0.1:1")), 400, "could not be checked")
    assert browser.user() is None and not User.objects.exists()

    # The untouched answer still works once; sent again (a replay), its state is spent.
    assert browser.come_back(back).url == f"{live_server.url}/"
    assert browser.user() is not None
    assert_refused(browser.come_back(back), 400, "could not be checked")

    # A callback in a browser that never started a sign-in here (login CSRF) signs nobody in.
    stranger = visitor(live_server, sso_on)
    assert_refused(stranger.come_back(back), 403, "did not complete")
    assert stranger.user() is None


@live
def test_a_wrong_nonce_is_refused(live_server, sso_on) -> None:  # type: ignore[no-untyped-def]
    browser = visitor(live_server, sso_on)
    page = browser.start()
    # The ID token will carry the nonce this browser sent; the site now expects another one.
    session = browser.session()
    states = session["oidc_states"]
    (state,) = states
    states[state]["nonce"] = "not-the-nonce-the-provider-saw"
    session["oidc_states"] = states
    session.save()
    refused = browser.come_back(browser.sign_in_at_provider(page, "ada.lovelace"))
    assert_refused(refused, 400, "could not be checked")
    assert browser.user() is None and not User.objects.exists()


@live
def test_a_wrong_password_at_the_provider_never_comes_back(live_server, sso_on) -> None:  # type: ignore[no-untyped-def]
    browser = visitor(live_server, sso_on)
    page = browser.start()
    answer = browser.http.post(urljoin(page.url, re.search(r'action="([^"]+)"', page.text).group(1)),  # type: ignore[union-attr]
                               data={"login": "ada.lovelace", "password": "guess"})
    assert answer.status_code == 403 and answer.url.startswith(sso_on.issuer)
    assert browser.user() is None


@live
def test_signing_out_ends_the_session_here(live_server, sso_on) -> None:  # type: ignore[no-untyped-def]
    browser = visitor(live_server, sso_on)
    home = browser.sign_in("ada.lovelace")
    assert browser.user() is not None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home.text)
    assert token
    out = browser.http.post(f"{live_server.url}/logout/", data={"csrfmiddlewaretoken": token.group(1)},
                            headers={"Referer": f"{live_server.url}/"})
    assert out.status_code == 200 and out.url == f"{live_server.url}/login/"
    assert browser.user() is None
    assert browser.http.get(f"{live_server.url}/courses/").url.startswith(f"{live_server.url}/login/")


@live
def test_an_unreachable_provider_is_a_clear_page(live_server, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OIDC_ISSUER, settings.OIDC_RP_CLIENT_ID, settings.OIDC_PROVIDER_NAME = (
        f"http://127.0.0.1:{_free_port()}/nobody-listens", CLIENT_ID, NAME)
    answer = requests.get(f"{live_server.url}/oidc/authenticate/")
    assert_refused(answer, 503, f"Sign-in with {NAME} is not available right now")


# --------------------------------------------------------------------------- rules without the provider


def test_new_usernames_are_clean_and_never_look_like_existing_ones(db) -> None:  # type: ignore[no-untyped-def]
    UserFactory(username="Ada.Lovelace")
    UserFactory(username="ｚｏｅ")  # full width, from an old roster
    UserFactory(username="deleted-user-7")
    assert sso.new_username({"preferred_username": "ada.lovelace"}) == "ada.lovelace2"
    assert sso.new_username({"preferred_username": "ADA.LOVELACE@uni.test"}) == "ada.lovelace2"
    assert sso.new_username({"preferred_username": "ada_lovelace@uni.test"}) == "ada_lovelace"
    assert sso.new_username({"preferred_username": "Zoë"}) == "zoe2"
    assert sso.new_username({"preferred_username": "José"}) == "jose"
    assert sso.new_username({"email": "Zoë O'Brien+ai@uni.test"}) == "zoe.o.brien.ai"
    assert sso.new_username({"preferred_username": "<script>", "given_name": "Ōsaka"}) == "script"
    assert sso.new_username({"preferred_username": "日本", "given_name": "Ōsaka"}) == "osaka"
    assert sso.new_username({"preferred_username": "Deleted-User-7"}) == "user.deleted-user-7"
    assert sso.new_username({"preferred_username": "q"}) == "user.q"
    assert sso.new_username({"sub": "only-a-subject"}) == "user"
    assert len(sso.new_username({"preferred_username": "x" * 300})) <= 30
    for claims in ({"preferred_username": "ada.lovelace"}, {"preferred_username": "a" * 300}):
        usernames.validate_new_username(sso.new_username(claims))  # the rules every new name keeps


def test_the_id_token_must_be_ours_for_this_client(settings) -> None:  # type: ignore[no-untyped-def]
    settings.OIDC_ISSUER, settings.OIDC_RP_CLIENT_ID = "https://idp.example", CLIENT_ID
    for name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT"):
        setattr(settings, name, "https://idp.example/" + name.lower())  # no discovery needed
    assert sso.setting("OIDC_OP_USER_ENDPOINT") == "" and sso.expected_issuer() == "https://idp.example"
    backend = sso.OidcBackend()
    good = {"iss": "https://idp.example", "aud": CLIENT_ID, "sub": "1", "exp": time.time() + 60}
    assert backend._check_id_token(good) == "https://idp.example"
    assert backend._check_id_token(good | {"aud": [CLIENT_ID, "other"], "azp": CLIENT_ID})
    for bad in ({"iss": "https://evil.example"}, {"aud": "other-client"}, {"aud": [CLIENT_ID, "other"]},
                {"exp": None}):
        payload = {name: value for name, value in (good | bad).items() if value is not None}
        with pytest.raises(sso.SuspiciousOperation):
            backend._check_id_token(payload)


@pytest.mark.parametrize("claims, proof", [
    ({"email": "a@uni.test", "email_verified": True}, "a@uni.test"),
    ({"email": "a@uni.test", "email_verified": "true"}, "a@uni.test"),
    ({"email": "a@uni.test", "email_verified": False}, None),
    ({"email": "a@uni.test", "email_verified": "false"}, None),
    ({"email": "a@uni.test", "email_verified": 1}, None),
    ({"email": "a@uni.test"}, None),
    ({"email_verified": True}, None),
])
def test_only_email_verified_true_is_proof(claims, proof) -> None:  # type: ignore[no-untyped-def]
    assert sso.verified_email(claims) == proof


# --------------------------------------------------------------------------- in a real browser


@live
def test_in_a_browser_the_button_leads_to_the_provider_and_back(live_server, sso_on, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        violations: list[str] = []
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.goto(f"{live_server.url}/login/")
        page.screenshot(path=str(ARTIFACTS / "sso-sign-in-page.png"))
        page.click(f"text=Sign in with {NAME}")
        page.wait_for_url(f"{sso_on.issuer}/interaction/**")
        page.fill("input[name=login]", "grace")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.click("button:has-text('Allow')")
        page.wait_for_url(f"{live_server.url}/")
        header = page.inner_text("header")
        page.screenshot(path=str(ARTIFACTS / "sso-signed-in.png"))
        browser.close()
    assert "grace" in header and "Sign out" in header
    assert identity_of(User.objects.get(username="grace")).subject == "sub-" + b"grace".hex()
    assert violations == []
