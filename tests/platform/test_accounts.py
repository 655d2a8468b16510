"""Password reset by email and password change, against a real SMTP server on loopback (aiosmtpd) and the
throttle's counts in the real Redis: a student enrolled from a CSV roster sets a first password from the mail
and signs in; an unknown address and a throttled request look exactly like a sent one; a password change
retires the old password."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from courses.models import Enrolment, Role
from tests.support.factories import CohortFactory, EnrolmentFactory, UserFactory

RESET_LINK = re.compile(r"http://testserver(/password/reset/[^/\s]+/[^/\s]+/)")


def ask_reset(client: Client, address: str) -> str:
    """Asks for a reset as a browser does; returns the page it lands on."""
    response = client.post("/password/reset/", {"email": address}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/password/reset/sent/", 302)]
    return response.content.decode()


def sign_in(username: str, password: str) -> bool:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302 and response["Location"] == "/"


def test_a_student_enrolled_from_csv_sets_a_password_from_the_mail_and_signs_in(db, inbox) -> None:
    teacher = UserFactory(username="teacher")
    cohort = CohortFactory()
    EnrolmentFactory(user=teacher, cohort=cohort, role=Role.INSTRUCTOR)
    staff = Client()
    staff.force_login(teacher)
    roster = "username,email,role\nnova,Nova.Reyes@example.org,student\nnomail,,student\n"
    page = staff.post(
        f"/cohorts/{cohort.pk}/enrol/",
        {"roster": SimpleUploadedFile("roster.csv", roster.encode(), content_type="text/csv")},
    ).content.decode()
    assert "2 enrolled, 2 new accounts" in page
    words = " ".join(page.split())
    assert 'id="enrol-no-email"' in page and "no way to set a password: nomail." in words
    assert "Forgot your password?" in words and "giving the email on the roster" in words
    assert Enrolment.objects.filter(cohort=cohort, user__username="nova").exists()
    assert not sign_in("nova", "")  # no password yet

    student = Client()
    assert "Forgot your password?" in student.get("/login/").content.decode()
    ask_reset(student, "nova.reyes@EXAMPLE.org")  # the address as the student types it
    [message] = inbox.messages
    assert inbox.recipients == [["Nova.Reyes@example.org"]]  # the account's address, not what was typed
    assert message["Subject"] == "Set your Gradient password"
    assert message["From"] == "Gradient <noreply@gradient.test>"
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Your user name is: nova" in body
    link = RESET_LINK.search(body)
    assert link, body

    form = student.get(link.group(1), follow=True)  # Django moves the token into the session, then the form
    assert form.status_code == 200 and "Set a new password" in form.content.decode()
    set_password_url = form.redirect_chain[-1][0]
    done = student.post(
        set_password_url, {"new_password1": "orbit-lantern-42", "new_password2": "orbit-lantern-42"}, follow=True
    )
    assert done.redirect_chain == [("/password/reset/done/", 302)] and 'id="reset-complete"' in done.content.decode()
    assert sign_in("nova", "orbit-lantern-42")
    # The link worked once.
    again = Client().get(link.group(1), follow=True).content.decode()
    assert "This link no longer works" in again


def test_an_unknown_address_gets_the_same_page_and_no_mail(db, inbox) -> None:
    UserFactory(username="known", email="known@example.org")
    client = Client()
    known = ask_reset(client, "known@example.org")
    unknown = ask_reset(client, "nobody-here@example.org")
    assert unknown == known
    assert len(inbox.messages) == 1 and inbox.recipients == [["known@example.org"]]
    # An inactive account is as unknown.
    UserFactory(username="gone", email="gone@example.org", is_active=False)
    assert ask_reset(client, "gone@example.org") == known
    assert len(inbox.messages) == 1


def test_the_fourth_request_in_an_hour_for_one_address_sends_no_mail(db, inbox) -> None:
    UserFactory(username="busy", email="busy@example.org")
    # Each from another client: the limit is the address's, whoever asks.
    pages = [ask_reset(Client(REMOTE_ADDR=f"192.0.2.{n}"), "busy@example.org") for n in range(1, 5)]
    assert len(set(pages)) == 1  # the fourth answer is the same page
    assert len(inbox.to("busy@example.org")) == 3
    # Another address is counted apart.
    UserFactory(username="calm", email="calm@example.org")
    ask_reset(Client(REMOTE_ADDR="192.0.2.9"), "calm@example.org")
    assert len(inbox.to("calm@example.org")) == 1


def test_one_client_cannot_mail_many_addresses(db, inbox, settings) -> None:
    settings.GRADIENT_RESET_PER_CLIENT = 2
    for name in ("a1", "a2", "a3"):
        UserFactory(username=name, email=f"{name}@example.org")
    client = Client(REMOTE_ADDR="198.51.100.7")
    for name in ("a1", "a2", "a3"):
        ask_reset(client, f"{name}@example.org")
    assert inbox.recipients == [["a1@example.org"], ["a2@example.org"]]
    ask_reset(Client(REMOTE_ADDR="198.51.100.8"), "a3@example.org")  # another client is not held back
    assert inbox.recipients[-1] == ["a3@example.org"]


def test_a_signed_in_user_changes_their_password(db) -> None:
    UserFactory(username="lin", password="first-secret-99")
    client = Client()
    assert client.login(username="lin", password="first-secret-99")
    assert 'href="/account/"' in client.get("/courses/").content.decode()  # the header links the account page
    assert 'href="/password/change/"' in client.get("/account/").content.decode()  # which links this one
    wrong = client.post(
        "/password/change/",
        {"old_password": "not-it", "new_password1": "second-secret-77", "new_password2": "second-secret-77"},
    )
    assert wrong.status_code == 200 and 'role="alert"' in wrong.content.decode()
    done = client.post(
        "/password/change/",
        {"old_password": "first-secret-99", "new_password1": "second-secret-77", "new_password2": "second-secret-77"},
        follow=True,
    )
    assert done.redirect_chain == [("/password/change/done/", 302)] and 'id="change-done"' in done.content.decode()
    assert client.get("/courses/").status_code == 200  # still signed in here
    assert not sign_in("lin", "first-secret-99")
    assert sign_in("lin", "second-secret-77")
    # Signed out, the page sends you to sign in.
    assert Client().get("/password/change/")["Location"].startswith("/login/")
