"""Signing up on one's own (GRADIENT_SIGNUP_OPEN) and proving an email address: the user-name rules with
their look-alike check, Django's password validators, the mailed verification link followed from the real
SMTP server (aiosmtpd on loopback) and confirmed with the page's button, the links that must not work, an
address another account proved that nobody can take, and a mail server that fails."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.emails import AddressTaken, is_verified, mark_verified
from accounts.models import VerifiedEmail
from core.users import User
from tests.support.factories import UserFactory
from tests.support.mail import Inbox, body, free_port
from tests.support.signing_in import sign_in

GOOD = {"email": "kim@example.org", "password1": "maple-canyon-88", "password2": "maple-canyon-88"}


def test_a_self_learner_signs_up_and_confirms_their_address(db, inbox: Inbox, settings) -> None:
    settings.GRADIENT_SIGNUP_OPEN = True
    client = Client()
    assert 'href="/signup/"' in client.get("/login/").content.decode()
    done = client.post("/signup/", {"username": "kim.lee", **GOOD})
    assert done.status_code == 302 and done["Location"] == "/account/?welcome=1"
    user = User.objects.get(username="kim.lee")
    assert user.is_active and user.email == "kim@example.org" and not is_verified(user)
    page = client.get(done["Location"]).content.decode()
    assert 'id="welcome"' in page and 'id="email-state">not verified' in page

    mail = inbox.last_to("kim@example.org")
    assert mail["Subject"] == "Confirm your email address on Gradient"
    assert "Hello kim.lee" in body(mail)
    link = inbox.link_to("kim@example.org")
    assert "kim@example.org" not in link  # the address is not in the link (links end up in logs)
    # From the mail program, not signed in: the link is the proof, and its page names the account.
    reader = Client()
    followed = reader.get(link)
    page = followed.content.decode()
    assert followed.status_code == 200 and 'id="verify-confirm"' in page and "<strong>kim.lee</strong>" in page
    assert not is_verified(user)  # opening the link changes nothing (mail scanners open links)
    confirmed = reader.post(link)
    assert confirmed.status_code == 200 and 'id="verified"' in confirmed.content.decode()
    assert is_verified(user) and VerifiedEmail.objects.get(user=user).source == "link"
    assert "(it already was)" in Client().get(link).content.decode()  # following it twice is harmless
    assert "(it already was)" in Client().post(link).content.decode()
    assert 'id="email-state">verified' in client.get("/account/").content.decode()
    # Signed out and in again with the password chosen.
    sign_in("kim.lee", GOOD["password1"])


def test_sign_up_is_closed_unless_the_site_opens_it(db, inbox: Inbox, settings) -> None:
    settings.GRADIENT_SIGNUP_OPEN = False
    assert 'href="/signup/"' not in Client().get("/login/").content.decode()
    closed = Client().post("/signup/", {"username": "kim", **GOOD})
    assert closed.status_code == 404 and "does not take sign-ups" in closed.content.decode()
    assert not User.objects.filter(username="kim").exists() and not inbox.messages


def test_user_names_keep_the_rules_and_no_look_alike_is_taken(db, inbox: Inbox, settings) -> None:
    settings.GRADIENT_SIGNUP_OPEN = True
    UserFactory(username="ada")
    UserFactory(username="ｇｒａｃｅ")  # full-width letters, from an old roster
    refused = {
        "ada lovelace": "letters A-Z, digits and . _ -",
        "ádám": "letters A-Z, digits and . _ -",
        "аda": "letters A-Z, digits and . _ -",  # a Cyrillic "а"
        "-ada": "starting with a letter or digit",
        "x": "2 to 40 characters",
        "ADA": "looks like it, is taken",
        "grace": "looks like it, is taken",
        "deleted-user-7": "kept for the platform",
    }
    for name, reason in refused.items():
        page = Client().post("/signup/", {"username": name, **GOOD})
        assert page.status_code == 400 and reason in page.content.decode(), name
    weak = Client().post("/signup/", {"username": "kim", "email": "kim@example.org", "password1": "password",
                                      "password2": "password"})
    assert weak.status_code == 400 and "too common" in weak.content.decode()
    bad_email = Client().post("/signup/", {**GOOD, "username": "kim", "email": "kim-at-example"})
    assert bad_email.status_code == 400 and "valid email" in bad_email.content.decode()
    assert User.objects.count() == 2 and not inbox.messages
    assert Client().post("/signup/", {"username": "Kim_Lee-2.0", **GOOD}).status_code == 302


def test_sign_ups_per_client_are_limited(db, inbox: Inbox, settings) -> None:
    settings.GRADIENT_SIGNUP_OPEN = True
    settings.GRADIENT_SIGNUP_PER_CLIENT = 2
    for n in range(2):
        assert Client(REMOTE_ADDR="198.51.100.4").post("/signup/", {**GOOD, "username": f"bot{n}"}).status_code == 302
    third = Client(REMOTE_ADDR="198.51.100.4").post("/signup/", {**GOOD, "username": "bot2"})
    assert third.status_code == 429 and not User.objects.filter(username="bot2").exists()
    assert Client(REMOTE_ADDR="198.51.100.5").post("/signup/", {**GOOD, "username": "human"}).status_code == 302


def test_verification_links_that_must_not_work(db, inbox: Inbox, settings) -> None:
    user = UserFactory(username="lou", email="lou@example.org")
    client = sign_in("lou", "pw-lou-12345")
    assert client.post("/account/verify-email/")["Location"] == "/account/?sent=verify"
    link = inbox.link_to("lou@example.org")

    tampered = Client().get(link[:-3] + "xx/")
    assert tampered.status_code == 400 and "not one we sent" in tampered.content.decode()
    settings.GRADIENT_VERIFY_EMAIL_MAX_AGE_S = -1
    expired = Client().get(link)
    assert expired.status_code == 400 and "has expired" in expired.content.decode()
    settings.GRADIENT_VERIFY_EMAIL_MAX_AGE_S = 3600

    # The address changed since (with the password): the old link proves nothing any more.
    wrong_password = client.post("/account/email/", {"email": "lou@new.example", "password": "nope"})
    assert wrong_password.status_code == 400
    client.post("/account/email/", {"email": "lou@new.example", "password": "pw-lou-12345"})
    stale = Client().get(link)
    assert stale.status_code == 400 and "no longer this account" in stale.content.decode()
    assert not VerifiedEmail.objects.exists()
    assert Client().post(inbox.link_to("lou@new.example")).status_code == 200
    assert is_verified(User.objects.get(pk=user.pk))


def test_asking_for_the_link_again_is_limited(db, inbox: Inbox, settings) -> None:
    UserFactory(username="may", email="may@example.org")
    client = sign_in("may", "pw-may-12345")
    answers = [client.post("/account/verify-email/")["Location"] for _ in range(settings.GRADIENT_VERIFY_MAILS_PER_HOUR + 1)]
    assert answers[-1] == "/account/?sent=held" and set(answers[:-1]) == {"/account/?sent=verify"}
    assert len(inbox.to("may@example.org")) == settings.GRADIENT_VERIFY_MAILS_PER_HOUR
    assert 'id="verify-held"' in client.get(answers[-1]).content.decode()


def test_a_verified_address_cannot_be_taken_by_another_account(db, inbox: Inbox) -> None:
    """Mallory types Vera's verified address into her own account; the link goes to Vera, and whatever
    follows it (a mail scanner's GET, Vera's click) leaves the address Vera's: Mallory's account never gets it,
    so single sign-on and LTI launches with it keep finding Vera."""
    vera = UserFactory(username="vera", email="vera@example.org")
    mark_verified(vera, vera.email)
    UserFactory(username="mallory", email="mallory@example.org")
    mallory = sign_in("mallory", "pw-mallory-12345")
    typed = {"email": "Vera@Example.org", "password": "pw-mallory-12345"}  # another spelling of Vera's
    assert mallory.post("/account/email/", typed).status_code == 302
    link = inbox.link_to("Vera@Example.org")

    for follow in (Client().get, Client().post):  # the scanner, then Vera's click (or Mallory's own, with the link)
        refused = follow(link)
        page = refused.content.decode()
        assert refused.status_code == 409 and 'id="verify-taken"' in page and "another account" in page
        assert 'id="verify-confirm"' not in page
    assert [row.user for row in VerifiedEmail.objects.all()] == [vera]
    assert not is_verified(User.objects.get(username="mallory"))
    # Nor by the service call itself.
    with pytest.raises(AddressTaken):
        mark_verified(User.objects.get(username="mallory"), "vera@example.org")
    assert VerifiedEmail.objects.get().user == vera


def test_sign_up_tries_are_counted_whether_accepted_or_not(db, inbox: Inbox, settings) -> None:
    """Probing which names are taken costs tries of the same hourly allowance as creating accounts."""
    settings.GRADIENT_SIGNUP_OPEN = True
    settings.GRADIENT_SIGNUP_PER_CLIENT = 3
    UserFactory(username="ada")
    def attempt(name: str, client: str = "198.51.100.7") -> int:
        return Client(REMOTE_ADDR=client).post("/signup/", {**GOOD, "username": name}).status_code

    assert [attempt(name) for name in ("ada", "ADA", "bob")] == [400, 400, 302]  # two taken names, then an account
    held = Client(REMOTE_ADDR="198.51.100.7").post("/signup/", {**GOOD, "username": "ada"})
    assert held.status_code == 429 and "Too many sign-ups" in held.content.decode()
    assert attempt("carol") == 429 and not User.objects.filter(username="carol").exists()
    assert attempt("ada", client="198.51.100.8") == 400  # another client has its own allowance


def test_a_new_address_is_kept_only_if_its_link_was_mailed(db, inbox: Inbox, settings) -> None:
    """The mail server refuses the link (554), then cannot be reached: each time the address stays as it was
    and the page says why (503: our side), and nothing was verified; once mail works again, it changes."""
    UserFactory(username="ned", email="ned@example.org")
    client = sign_in("ned", "pw-ned-12345")
    inbox.refuse("ned@new.example")
    change = {"email": "ned@new.example", "password": "pw-ned-12345"}
    refused = client.post("/account/email/", change)
    assert refused.status_code == 503 and 'id="email-error"' in refused.content.decode()
    assert "could not send the link to ned@new.example" in refused.content.decode()
    assert User.objects.get(username="ned").email == "ned@example.org" and not inbox.messages

    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()  # nothing listens there: down
    down = client.post("/account/email/", change)
    assert down.status_code == 503 and User.objects.get(username="ned").email == "ned@example.org"
    assert client.post("/account/verify-email/")["Location"] == "/account/?sent=failed"
    assert 'id="verify-failed"' in client.get("/account/?sent=failed").content.decode()

    settings.EMAIL_PORT = working_port
    inbox.clear()  # and it relays to ned@new.example again
    assert client.post("/account/email/", change)["Location"] == "/account/?sent=verify"
    assert User.objects.get(username="ned").email == "ned@new.example" and inbox.to("ned@new.example")
