"""A person's data: the export zip holds what we keep about them (feedback as they may see it, token names
but no secrets, the files they handed in), and closing the account deletes or anonymises it, keeping only the
scores a course's gradebook must keep."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.emails import mark_verified
from accounts.models import VerifiedEmail
from audit import services as audit
from audit.models import AuditEvent
from core.users import User
from courses.invitations import join, new_join_code
from courses.models import Enrolment, Extension, FeedbackVisibility, Role
from courses.services import extension_grant
from grading.models import GradingRun, Submission, SubmissionFile, TestResult
from tests.support.factories import (
    AssignmentFactory,
    CohortFactory,
    EnrolmentFactory,
    GradingRunFactory,
    SubmissionFactory,
    SubmissionFileFactory,
    TestResultFactory,
    UserFactory,
)
from tests.support.mail import Inbox, body
from tests.support.signing_in import sign_in
from web.models import ApiToken
from web.tokens import issue

PASSWORD = "pw-sam-12345"


@pytest.fixture
def course_work(grader_tree):  # type: ignore[no-untyped-def]
    """Sam: a student of a cohort with one graded assignment submission (feedback hidden: the score only),
    one graded practice submission (full feedback), an API token, an authenticator app and a verified
    address; an instructor; and another student's work that is none of Sam's business."""
    grader_tree.sync()
    exercise = grader_tree.exercise()
    cohort = CohortFactory(course__title="AI Engineering 101")
    sam = UserFactory(username="sam", email="sam@example.org", first_name="Sam", last_name="Reyes")
    mark_verified(sam, sam.email)
    EnrolmentFactory(cohort=cohort, user=sam, pseudonym="Quiet Fox")
    EnrolmentFactory(cohort=cohort, user=UserFactory(username="teach"), role=Role.INSTRUCTOR)
    assignment = AssignmentFactory(cohort=cohort, exercise=exercise, feedback_visibility=FeedbackVisibility.HIDDEN)
    handed_in = SubmissionFactory(student=sam, assignment=assignment, score=Decimal("7"), files=None)
    SubmissionFileFactory(submission=handed_in, name="solution.py", content=b"def count(text):\n    return 42\n")
    SubmissionFileFactory(submission=handed_in, name="../../etc/notes.txt", content=b"mine\n")
    run = GradingRunFactory(submission=handed_in, graded=True, score=Decimal("7"), student_output="printed 42")
    TestResultFactory(run=run, name="test_counts", outcome="failed", message="expected 3, got 42")
    practice = SubmissionFactory(student=sam, exercise=exercise, score=Decimal("10"))
    practice_run = GradingRunFactory(submission=practice, graded=True, score=Decimal("10"))
    TestResultFactory(run=practice_run, name="test_practice", message="all good")
    issue(sam, name="laptop")
    device = TOTPDevice.objects.create(user=sam, name="authenticator app", confirmed=True)
    other = SubmissionFactory(student=UserFactory(username="someone"), assignment=assignment, files=None)
    SubmissionFileFactory(submission=other, content=b"not sam's\n")
    return {"sam": sam, "cohort": cohort, "handed_in": handed_in, "practice": practice, "device": device}


def test_the_export_holds_what_we_keep_about_them(db, course_work) -> None:
    client = sign_in("sam", PASSWORD, device=course_work["device"])
    assert 'href="/account/export/"' in client.get("/account/").content.decode()
    response = client.get("/account/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert 'filename="gradient-sam-data.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))

    assert data["profile"]["username"] == "sam" and data["profile"]["email_verified"] is True
    assert data["enrolments"] == [
        {"course": "AI Engineering 101", "cohort": course_work["cohort"].name, "role": "student",
         "pseudonym": "Quiet Fox", "show_name": False}
    ]
    assert [t["name"] for t in data["api_tokens"]] == ["laptop"]
    token = ApiToken.objects.get(user__username="sam")
    assert token.digest not in archive.read("data.json").decode() and "digest" not in data["api_tokens"][0]
    assert data["two_factor"]["authenticator_apps"][0]["name"] == "authenticator app"
    assert "key" not in data["two_factor"]["authenticator_apps"][0]

    by_id = {s["id"]: s for s in data["submissions"]}
    assert set(by_id) == {course_work["handed_in"].pk, course_work["practice"].pk}  # nobody else's
    handed_in = by_id[course_work["handed_in"].pk]
    # The assignment shows the score only: so does the export (no test names, messages or output).
    assert handed_in["score"] == 7 and handed_in["run"]["tests"] == [] and handed_in["run"]["student_output"] == ""
    assert "expected 3, got 42" not in archive.read("data.json").decode()
    practice = by_id[course_work["practice"].pk]
    assert [t["message"] for t in practice["run"]["tests"]] == ["all good"]
    # The files handed in, each under its submission's folder (a name cannot climb out of it).
    folder = f"submissions/{course_work['handed_in'].pk}"
    assert handed_in["files"] == [f"{folder}/solution.py", f"{folder}/etc/notes.txt"]
    assert archive.read(f"{folder}/solution.py") == b"def count(text):\n    return 42\n"
    assert all(name.startswith(("data.json", "submissions/")) for name in archive.namelist())
    assert b"not sam's" not in b"".join(archive.read(name) for name in archive.namelist())


def test_closing_an_account_with_course_records_anonymises_it(db, inbox: Inbox, course_work) -> None:
    sam = course_work["sam"]
    client = sign_in("sam", PASSWORD, device=course_work["device"])
    page = client.get("/account/close/").content.decode()
    assert 'id="close-keeps"' in page
    wrong = client.post("/account/close/", {"password": "not-my-password"})
    assert wrong.status_code == 400 and User.objects.get(pk=sam.pk).is_active

    done = client.post("/account/close/", {"password": PASSWORD})
    assert done.status_code == 200 and 'id="closed-anonymised"' in done.content.decode()
    assert client.get("/account/")["Location"].startswith("/login/")  # signed out
    goodbye = inbox.last_to("sam@example.org")
    assert goodbye["Subject"] == "Your Gradient account was closed" and "anonymous name" in body(goodbye)

    ghost = User.objects.get(pk=sam.pk)
    assert ghost.username == f"deleted-user-{sam.pk}"
    assert (ghost.email, ghost.first_name, ghost.last_name) == ("", "", "")
    assert not ghost.is_active and not ghost.has_usable_password()
    for model in (VerifiedEmail, ApiToken, TOTPDevice):
        assert not model.objects.filter(user=ghost).exists(), model
    assert Enrolment.objects.get(user=ghost).pseudonym == ""
    # The course keeps the score; the work itself, its output and the messages about it are gone.
    kept = Submission.objects.get(student=ghost)
    assert kept.pk == course_work["handed_in"].pk and kept.score == Decimal("7")
    assert not SubmissionFile.objects.filter(submission__student=ghost).exists()
    assert GradingRun.objects.get(submission=kept).student_output == ""
    assert list(TestResult.objects.filter(run__submission=kept).values_list("message", flat=True)) == [""]
    assert not Submission.objects.filter(pk=course_work["practice"].pk).exists()
    assert SubmissionFile.objects.filter(content=b"not sam's\n").exists()  # the classmate's work is untouched

    gradebook = sign_in("teach", "pw-teach-12345").get(f"/cohorts/{course_work['cohort'].pk}/gradebook/")
    text = gradebook.content.decode()
    assert f"deleted-user-{sam.pk}" in text and "Quiet Fox" not in text and ">sam<" not in text
    # Nobody signs in as the closed account, by either name.
    for name in ("sam", f"deleted-user-{sam.pk}"):
        assert Client().post("/login/", {"username": name, "password": PASSWORD}).status_code != 302


def test_closing_a_practice_only_account_deletes_it(db, inbox: Inbox, grader_tree) -> None:
    grader_tree.sync()
    solo = UserFactory(username="solo", email="solo@example.org")
    SubmissionFactory(student=solo, exercise=grader_tree.exercise())
    Client().post("/login/", {"username": "Solo", "password": "a-wrong-guess"})  # kept by django-axes
    client = sign_in("solo", "pw-solo-12345")
    assert AccessAttempt.objects.filter(username="Solo").exists()  # a success clears only its own name's
    assert 'id="close-deletes"' in client.get("/account/close/").content.decode()
    done = client.post("/account/close/", {"password": "pw-solo-12345"})
    assert 'id="closed-deleted"' in done.content.decode()
    assert not User.objects.filter(pk=solo.pk).exists() and not Submission.objects.exists()
    assert not AccessAttempt.objects.exists()
    assert not inbox.messages  # the address was never verified: nothing is mailed to it


def test_a_site_administrator_is_closed_by_another(db) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = sign_in("root", "pw-root-12345")
    refused = client.post("/account/close/", {"password": "pw-root-12345"})
    assert refused.status_code == 403 and 'id="close-refused"' in refused.content.decode()
    assert User.objects.get(username="root").is_active


def test_closing_an_account_scrubs_the_records_that_outlive_it(db, inbox: Inbox, course_work) -> None:
    """The audit log's rows about Sam and by Sam, the reason for Sam's extension, and the failed sign-ins
    under Sam's name stop naming or describing Sam; the rows themselves (and the extension's dates) stay."""
    sam, cohort = course_work["sam"], course_work["cohort"]
    teach = User.objects.get(username="teach")
    assignment = course_work["handed_in"].assignment
    due = assignment.due_at + timedelta(days=3)
    granted = extension_grant(actor=teach, assignment=assignment, student=sam, due_at=due, extra_attempts=1,
                              reason="Sam broke an arm (hospital note)")
    elsewhere = CohortFactory(course=cohort.course)
    join(user=sam, cohort=elsewhere, invitation=new_join_code(cohort=elsewhere, by=teach))  # Sam acts: a join
    # An assignment's own row whose exercise happens to be called like the user: not about Sam.
    audit.record(actor=teach, cohort_id=cohort.pk, action="assignment.update", target=f"sam for {cohort}")
    for _ in range(2):  # someone (Sam, or someone guessing) typed Sam's name with a wrong password
        Client().post("/login/", {"username": "sam", "password": "not-it"})
    assert AccessAttempt.objects.filter(username="sam").exists()

    client = sign_in("sam", PASSWORD, device=course_work["device"])
    assert 'id="closed-anonymised"' in client.post("/account/close/", {"password": PASSWORD}).content.decode()

    ghost = f"deleted-user-{sam.pk}"
    rows = {e.action: e for e in AuditEvent.objects.all()}
    assert rows["extension.grant"].target == f"{ghost} on {assignment}" and rows["extension.grant"].reason == ""
    assert rows["extension.grant"].after["extra_attempts"] == 1
    assert rows["enrolment.join"].target == f"{ghost} in {elsewhere}" and rows["enrolment.join"].actor_name == ghost
    assert rows["assignment.update"].target == f"sam for {cohort}"  # left alone
    assert all("Sam broke" not in e.reason and not e.target.startswith("sam ") for e in AuditEvent.objects.all()
               if e.action != "assignment.update")
    kept = Extension.objects.get(student_id=sam.pk)
    assert kept.reason == "" and kept.due_at == granted.due_at and kept.extra_attempts == 1
    assert not AccessAttempt.objects.filter(username__iexact="sam").exists()
