"""Notices (docs/notifications.md): written on the site and mailed, through the real SMTP server on loopback,
once the change commits; each person's choices; the daily digest; the header's count; opening a notice
(its own link on this site only, never another person's); and the triggers in grading and courses: a run
given up, a retry, a result after a backlog, a GPU exercise with no GPU grader, extensions, deadline
reminders."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Role
from courses.services import extension_grant, extension_revoke
from grading import dispatch, intake, runs
from grading.models import GradingRun, RunStatus
from grading.reminders import send_reminders
from notices.context_processors import unread_notices
from notices.models import MailState, Notice, NoticeKind, NoticePreference
from notices.services import notify, preferences_of, send_digests
from sandbox import Outcome
from tests.support.factories import (
    AssignmentFactory,
    CohortFactory,
    EnrolmentFactory,
    ExtensionFactory,
    UserFactory,
)
from tests.support.mail import Inbox, body
from tests.support.outcomes import fake_outcome


@pytest.fixture(autouse=True)
def site(settings) -> None:  # type: ignore[no-untyped-def]
    settings.GRADIENT_SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(dispatch, "send", lambda run, **_: calls.append(run.pk))
    return calls


def person(username: str, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("email", f"{username}@example.org")
    return UserFactory(username=username, **fields)


def assert_csp_clean(page: str) -> None:
    """What the Content-Security-Policy would block: inline scripts, styles and event handlers."""
    assert "<script" not in page and "<style" not in page and " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def course(synced_exercise):  # type: ignore[no-untyped-def]
    """A cohort with an assignment, its student (ada), an instructor and a TA, each with an address."""
    cohort = CohortFactory(course__slug="ai-101", slug="autumn")
    assignment = AssignmentFactory(cohort=cohort, exercise=synced_exercise)
    people = {name: person(name) for name in ("ada", "ines", "tariq")}
    EnrolmentFactory(cohort=cohort, user=people["ada"])
    EnrolmentFactory(cohort=cohort, user=people["ines"], role=Role.INSTRUCTOR)
    EnrolmentFactory(cohort=cohort, user=people["tariq"], role=Role.TA)
    return cohort, assignment, people


def submit(student, assignment, reference_source: bytes):  # type: ignore[no-untyped-def]
    return intake.submission_create(
        student=student, exercise=assignment.exercise, uploads={"solution.py": reference_source}, assignment=assignment
    )


# ----------------------------------------------------------------------------- the service


def test_notify_writes_a_site_notice_and_mails_it_after_commit(
    db, inbox: Inbox, django_capture_on_commit_callbacks
) -> None:
    ada = person("ada")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        told = notify([ada], NoticeKind.GRADE_RELEASED, "Your grade\nfor MLP", "8 of 10.\n<b>Well done</b>", "/submissions/7/")
        assert inbox.messages == []  # nothing leaves before the commit
    assert told == 1 and len(callbacks) == 1
    notice = Notice.objects.get(user=ada)
    assert (notice.kind, notice.title, notice.link, notice.read_at) == ("grade_released", "Your grade for MLP", "/submissions/7/", None)
    assert notice.mail == MailState.SENT and notice.mailed_at is not None
    mail = inbox.last_to("ada@example.org")
    assert mail["Subject"] == "Gradient: Your grade for MLP"
    assert mail["From"] == "Gradient <noreply@gradient.test>"
    assert mail.get_content_type() == "text/plain"
    text = body(mail)
    assert "8 of 10." in text and "<b>Well done</b>" in text  # plain text, as written
    assert inbox.link_to("ada@example.org") == "/submissions/7/"
    assert "http://testserver/account/notifications/" in text
    with pytest.raises(ValueError, match="path on this site"):
        notify([ada], NoticeKind.GRADE_RELEASED, "x", "", "//evil.example/")


def test_choices_defaults_and_who_is_skipped(db, inbox: Inbox, django_capture_on_commit_callbacks) -> None:
    ada, off, quiet, nomail = person("ada"), person("off"), person("quiet"), person("nomail", email="")
    gone = person("gone", is_active=False)
    NoticePreference.objects.create(user=off, kind=NoticeKind.EXTENSION, by_email=False, on_site=False)
    NoticePreference.objects.create(user=quiet, kind=NoticeKind.EXTENSION, by_email=False, on_site=True)
    with django_capture_on_commit_callbacks(execute=True):
        told = notify([ada, off, quiet, nomail, gone.pk], NoticeKind.EXTENSION, "Extension", "", "/courses/")
    assert told == 3  # ada (mail and site), quiet (site), nomail (site); not off, not the inactive account
    assert sorted(Notice.objects.values_list("user__username", "mail")) == [
        ("ada", "sent"), ("nomail", "none"), ("quiet", "none"),
    ]
    assert inbox.recipients == [["ada@example.org"]]
    # Other kinds keep their defaults for the person who turned one off.
    kinds, digest = preferences_of(off)
    assert kinds[NoticeKind.EXTENSION] == (False, False) and kinds[NoticeKind.RUN_FAILED] == (True, True)
    assert digest is False


def test_a_key_is_never_given_twice_and_a_refused_mail_is_logged_not_raised(
    db, inbox: Inbox, django_capture_on_commit_callbacks, caplog
) -> None:
    ada, bob = person("ada"), person("bob")
    inbox.refuse("bob@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert notify([ada, bob], NoticeKind.DEADLINE_REMINDER, "Due soon", "", "/courses/", key="deadline:1") == 2
    with django_capture_on_commit_callbacks(execute=True):
        notify([ada, bob], NoticeKind.DEADLINE_REMINDER, "Due soon", "", "/courses/", key="deadline:1")
    assert Notice.objects.count() == 2
    assert len(inbox.to("ada@example.org")) == 1 and inbox.to("bob@example.org") == []
    assert Notice.objects.get(user=bob).mail == MailState.FAILED
    assert "could not be sent" in caplog.text


def test_the_digest_groups_a_days_mail_into_one(db, inbox: Inbox, django_capture_on_commit_callbacks) -> None:
    ada, bob = person("ada"), person("bob")
    NoticePreference.objects.create(user=ada, kind="daily_digest", by_email=True, on_site=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify([ada, bob], NoticeKind.EXTENSION, "Extension on MLP", "Due Friday.", "/assignments/1/")
        notify([ada], NoticeKind.GRADE_RELEASED, "Grade for CNN", "9 of 10.", "/submissions/3/")
    assert inbox.to("ada@example.org") == [] and len(inbox.to("bob@example.org")) == 1  # bob: one by one
    assert Notice.objects.filter(user=ada, mail=MailState.DIGEST).count() == 2
    assert send_digests() == 1
    digest = inbox.last_to("ada@example.org")
    assert digest["Subject"].startswith("Gradient: 2 notices from ")
    text = body(digest)
    assert "1. Extension on MLP" in text and "2. Grade for CNN" in text
    assert "http://testserver/assignments/1/" in text and "http://testserver/submissions/3/" in text
    assert send_digests() == 0 and len(inbox.to("ada@example.org")) == 1  # each notice mailed once
    assert len(inbox.to("bob@example.org")) == 1


# ----------------------------------------------------------------------------- the pages


def test_the_header_counts_unread_notices_in_one_query(db, django_assert_num_queries) -> None:
    ada, bob = person("ada"), person("bob")
    notify([ada], NoticeKind.EXTENSION, "One", "", "")
    notify([ada], NoticeKind.EXTENSION, "Two <script>", "", "")
    notify([bob], NoticeKind.EXTENSION, "Bob's", "", "")
    web = signed_in(ada)
    page = web.get("/courses/").content.decode()
    assert 'id="notices-link" class="has-unread" title="2 unread">Notices (2)</a>' in page
    listing = web.get("/notices/").content.decode()
    assert listing.count('class="notice-item unread"') == 2 and "Bob&#x27;s" not in listing
    assert "Two &lt;script&gt;" in listing
    assert_csp_clean(listing)
    assert web.post("/notices/read/").status_code == 302
    assert ">Notices</a>" in web.get("/courses/").content.decode()
    assert Notice.objects.filter(user=bob, read_at__isnull=True).count() == 1  # mine only
    # The count itself: one query, capped.
    Notice.objects.bulk_create(Notice(user=ada, kind=NoticeKind.EXTENSION, title=f"n{i}") for i in range(120))
    request = RequestFactory().get("/")
    request.user = ada
    count = unread_notices(request)["unread_notices"]
    with django_assert_num_queries(1):
        assert count() == "99+" and count() == "99+"
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    assert unread_notices(request) == {}


@pytest.mark.parametrize("link", ["//evil.example/phish", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_opening_a_notice_marks_it_read_and_follows_only_a_site_path(db, link: str) -> None:
    ada = person("ada")
    mine = Notice.objects.create(user=ada, kind=NoticeKind.EXTENSION, title="Yours", link="/courses/")
    bad = Notice.objects.create(user=ada, kind=NoticeKind.EXTENSION, title="Odd", link=link)  # not via notify
    web = signed_in(ada)
    answer = web.get(f"/notices/{mine.pk}/open/")
    assert answer.status_code == 302 and answer["Location"] == "/courses/"
    refused = web.get(f"/notices/{bad.pk}/open/")
    assert refused.status_code == 400 and "Location" not in refused
    assert 'id="link-refused"' in refused.content.decode()
    assert_csp_clean(refused.content.decode())
    assert Notice.objects.filter(pk__in=[mine.pk, bad.pk], read_at__isnull=False).count() == 2


def test_nobody_opens_another_persons_notice(db) -> None:
    ada, bob = person("ada"), person("bob")
    notice = Notice.objects.create(user=ada, kind=NoticeKind.EXTENSION, title="Yours", link="/courses/")
    web = signed_in(bob)
    assert web.get(f"/notices/{notice.pk}/open/").status_code == 404
    assert web.get("/notices/999999/open/").status_code == 404
    assert Notice.objects.get(pk=notice.pk).read_at is None
    assert Client().get(f"/notices/{notice.pk}/open/").status_code == 302  # to sign in


def test_the_preferences_page_saves_each_choice(db, inbox: Inbox, django_capture_on_commit_callbacks) -> None:
    ada = person("ada")
    web = signed_in(ada)
    assert 'id="notice-preferences-link"' in web.get("/account/").content.decode()
    page = web.get("/account/notifications/").content.decode()
    assert 'name="extension-email" id="pref-extension-email" checked' in page
    assert 'name="daily_digest" id="pref-daily-digest">' in page  # off by default
    assert_csp_clean(page)
    form = {f"{kind}-{how}": "on" for kind in NoticeKind.values for how in ("email", "site")}
    del form["extension-email"]
    form["staff_alert-site"] = "on"
    form["unknown-field"] = "on"  # ignored
    assert web.post("/account/notifications/", form).status_code == 302
    kinds, digest = preferences_of(ada)
    assert kinds[NoticeKind.EXTENSION] == (False, True) and kinds[NoticeKind.RUN_FAILED] == (True, True)
    assert digest is False
    with django_capture_on_commit_callbacks(execute=True):
        notify([ada], NoticeKind.EXTENSION, "Extension", "", "")
    assert inbox.messages == [] and Notice.objects.filter(user=ada).count() == 1
    assert web.post("/account/notifications/", {"daily_digest": "on"}).status_code == 302
    kinds, digest = preferences_of(ada)
    assert digest is True and kinds[NoticeKind.EXTENSION] == (False, False)
    assert web.delete("/account/notifications/").status_code == 405


# ----------------------------------------------------------------------------- triggers


def test_a_run_given_up_by_the_sweeper_tells_the_student_and_the_cohorts_staff(
    course, reference_source, settings, inbox: Inbox, django_capture_on_commit_callbacks
) -> None:
    cohort, assignment, people = course
    other = CohortFactory(course=cohort.course)
    EnrolmentFactory(cohort=other, user=person("olga"), role=Role.INSTRUCTOR)  # another cohort's: not told
    person("root", is_staff=True)  # a site administrator: the cohort has staff of its own
    submission = submit(people["ada"], assignment, reference_source)
    run = GradingRun.objects.get(submission=submission)
    GradingRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, deliveries=settings.GRADING_MAX_DELIVERIES, lease_token="w",
        lease_expires_at=timezone.now() - timedelta(seconds=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.sweep() == {"requeued": 0, "failed": 1}
    run.refresh_from_db()
    assert run.status == RunStatus.INFRASTRUCTURE_ERROR
    assert run.messages[1] == f"Grading was interrupted {settings.GRADING_MAX_DELIVERIES} times. Staff have been told."
    told = dict(Notice.objects.values_list("user__username", "kind"))
    assert told == {"ada": "run_failed", "ines": "staff_alert", "tariq": "staff_alert"}
    assert sorted(address for rcpt in inbox.recipients for address in rcpt) == [
        "ada@example.org", "ines@example.org", "tariq@example.org",
    ]
    assert "staff have been told" in body(inbox.last_to("ada@example.org"))
    assert inbox.link_to("ines@example.org") == f"/submissions/{submission.pk}/"
    assert runs.fail(run_id=run.pk, message="again") is False  # ended already: nobody told twice
    assert Notice.objects.count() == 3


def test_a_practice_run_given_up_tells_site_administrators(
    synced_exercise, reference_source, django_capture_on_commit_callbacks
) -> None:
    ada, root = person("ada"), person("root", is_staff=True)
    person("retired", is_staff=True, is_active=False)
    submission = intake.submission_create(student=ada, exercise=synced_exercise, uploads={"solution.py": reference_source})
    run = GradingRun.objects.get(submission=submission)
    assert runs.fail(run_id=run.pk, message="The engine went away.") is True
    run.refresh_from_db()
    assert run.messages[1] == "The engine went away. Staff have been told."
    assert sorted(Notice.objects.values_list("user__username", "kind")) == [("ada", "run_failed"), ("root", "staff_alert")]
    assert "practice" in Notice.objects.get(user=root).title


def test_a_retried_run_tells_the_student_once_and_a_result_after_a_backlog_tells_them_again(
    course, reference_source, settings
) -> None:
    _, assignment, people = course
    settings.GRADING_MAX_DELIVERIES = 5
    run = GradingRun.objects.get(submission=submit(people["ada"], assignment, reference_source))
    hiccup = Outcome("infrastructure_error", 0.0, 0.0, (), 0.1, ("engine hiccup",), retryable=True)
    for token in ("w1", "w2"):
        assert runs.claim(run_id=run.pk, token=token)
        assert runs.complete(run_id=run.pk, token=token, outcome=hiccup)
    retry = Notice.objects.get(user=people["ada"])
    assert retry.kind == "run_failed" and "retrying" in retry.title
    # The third delivery grades it, long after the run was queued.
    GradingRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(seconds=settings.NOTIFY_BACKLOG_S + 60))
    assert runs.claim(run_id=run.pk, token="w3")
    assert runs.complete(run_id=run.pk, token="w3", outcome=fake_outcome(run))
    result = Notice.objects.get(user=people["ada"], kind=NoticeKind.RESULT_AFTER_BACKLOG)
    assert result.link == f"/submissions/{run.submission_id}/" and "minutes in the grading queue" in result.body
    assert Notice.objects.filter(kind=NoticeKind.STAFF_ALERT).count() == 0


def test_a_result_without_a_backlog_adds_no_query_about_notices(course, reference_source) -> None:
    _, assignment, people = course
    run = GradingRun.objects.get(submission=submit(people["ada"], assignment, reference_source))
    assert runs.claim(run_id=run.pk, token="w")
    with CaptureQueriesContext(connection) as queries:
        assert runs.complete(run_id=run.pk, token="w", outcome=fake_outcome(run))
    assert not [q["sql"] for q in queries if "notices_" in q["sql"] or "auth_user" in q["sql"]]
    assert not Notice.objects.exists()


def test_a_gpu_exercise_without_a_gpu_grader_alerts_staff_once_a_day(
    course, reference_source, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, assignment, people = course
    settings.SANDBOX_GPU = False
    monkeypatch.setattr(dispatch, "queue_for", lambda version: "gpu")
    person("root", is_staff=True)
    with pytest.raises(intake.SubmissionRejected, match="Your course staff have been told; nothing was submitted"):
        submit(people["ada"], assignment, reference_source)
    classmate = person("bo")
    EnrolmentFactory(cohort=assignment.cohort, user=classmate)
    with pytest.raises(intake.SubmissionRejected, match="course staff have been told"):
        submit(classmate, assignment, reference_source)
    alerts = sorted(Notice.objects.values_list("user__username", "kind"))
    assert alerts == [("ines", "staff_alert"), ("root", "staff_alert"), ("tariq", "staff_alert")]  # one each
    with pytest.raises(intake.SubmissionRejected, match="site's administrators have been told"):
        intake.submission_create(student=person("pat"), exercise=assignment.exercise, uploads={"solution.py": b"x = 1\n"})
    assert Notice.objects.count() == 3  # practice of the same exercise, the same day: told already


def test_an_extension_granted_or_withdrawn_tells_the_student(
    course, inbox: Inbox, django_capture_on_commit_callbacks
) -> None:
    _, assignment, people = course
    due = assignment.due_at + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        extension = extension_grant(
            actor=people["tariq"], assignment=assignment, student=people["ada"], due_at=due, extra_attempts=2,
            reason="Broken laptop <sorry>",
        )
    notice = Notice.objects.get(user=people["ada"])
    assert notice.kind == "extension" and f"due {due:%Y-%m-%d %H:%M} UTC, 2 extra attempts" in notice.title
    assert notice.link == f"/assignments/{assignment.pk}/"
    assert "Reason: Broken laptop <sorry>" in body(inbox.last_to("ada@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        extension_revoke(actor=people["ines"], extension=extension, reason="Granted by mistake")
    withdrawn = Notice.objects.filter(user=people["ada"]).order_by("-pk").first()
    assert withdrawn is not None and "withdrawn" in withdrawn.title and "Granted by mistake" in withdrawn.body
    assert len(inbox.to("ada@example.org")) == 2 and inbox.to("ines@example.org") == []


def test_deadline_reminders_go_once_to_students_who_have_not_submitted(
    course, reference_source, inbox: Inbox, django_capture_on_commit_callbacks
) -> None:
    cohort, assignment, people = course
    assignment.due_at = timezone.now() + timedelta(hours=10)
    assignment.save(update_fields=["due_at"])
    done, later, gone = person("done"), person("later"), person("gone")
    for student in (done, later, gone):
        EnrolmentFactory(cohort=cohort, user=student)
    submit(done, assignment, reference_source)
    ExtensionFactory(assignment=assignment, student=later, due_at=assignment.due_at + timedelta(days=2))
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders() == 1
    assert list(Notice.objects.values_list("user__username", "kind", "key")) == [
        ("ada", "deadline_reminder", f"deadline:{assignment.pk}"),
    ]
    assert inbox.recipients == [["ada@example.org"]]
    assert inbox.link_to("ada@example.org") == f"/assignments/{assignment.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders()
    assert Notice.objects.count() == 1 and len(inbox.messages) == 1  # never twice
    # The extended student is reminded when their own deadline comes within the window.
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(now=timezone.now() + timedelta(days=2))
    assert sorted(Notice.objects.values_list("user__username", flat=True)) == ["ada", "later"]
    assert inbox.recipients[-1] == ["later@example.org"]
