"""Feedback visibility on the submission page: `hidden` shows the total and the status only; `after_due`
shows each test's outcome and points, and its message (and the code's output) only once the student's due
date (with any extension) has passed; `visible` shows everything. Staff always see everything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Assignment, FeedbackVisibility, Role
from tests.support.factories import ExtensionFactory, UserFactory

SECRET = "expected {'hidden': 3} <script>alert(1)</script>"


@pytest.fixture
def graded(cohort, enrol, student_user, make_assignment, submit, grade):  # type: ignore[no-untyped-def]
    """Ada's submission with one failing test whose message holds a hidden input (and markup)."""

    def make(visibility: str, **fields) -> tuple[Assignment, int]:  # type: ignore[no-untyped-def]
        enrol(student_user, cohort)
        assignment = make_assignment(cohort, feedback_visibility=visibility, **fields)
        submission = submit(student_user, assignment)
        grade(submission, failing=["test_ignores_case"], messages={"test_ignores_case": SECRET})
        return assignment, submission.pk

    return make


def panel(client, submission_id: int) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/submissions/{submission_id}/result/")
    assert response.status_code == 200
    return response.content.decode()


def test_visible_shows_every_message_escaped(client, student_user, graded) -> None:
    _, submission_id = graded(FeedbackVisibility.VISIBLE)
    client.force_login(student_user)
    html = panel(client, submission_id)
    assert 'data-feedback="full"' in html
    assert html.count('class="test-row"') == 7
    assert "expected {&#x27;hidden&#x27;: 3} &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_hidden_shows_the_total_and_the_status_only(client, student_user, graded) -> None:
    _, submission_id = graded(FeedbackVisibility.HIDDEN)
    client.force_login(student_user)
    html = panel(client, submission_id)
    assert 'id="score">8 / 10<' in html and 'id="run-status">Graded<' in html
    assert "test-row" not in html and "test_ignores_case" not in html
    assert "alert(1)" not in html and "&#x27;hidden&#x27;" not in html
    assert "total score only" in html


def test_after_due_shows_outcomes_and_points_but_no_messages_before_the_due_date(
    client, student_user, graded
) -> None:
    assignment, submission_id = graded(FeedbackVisibility.AFTER_DUE)
    client.force_login(student_user)
    html = panel(client, submission_id)
    assert html.count('class="test-row"') == 7
    assert 'data-outcome="failed"' in html and "test_ignores_case" in html and "0 / 2" in html
    assert "alert(1)" not in html and "<pre>" not in html
    assert f"appear after the due date, {assignment.due_at:%Y-%m-%d %H:%M} UTC" in html


def test_after_due_shows_messages_once_the_due_date_passed(client, student_user, graded) -> None:
    now = timezone.now()
    assignment, submission_id = graded(FeedbackVisibility.AFTER_DUE)
    Assignment.objects.filter(pk=assignment.pk).update(opens_at=now - timedelta(days=5), due_at=now - timedelta(seconds=1))
    client.force_login(student_user)
    assert "&lt;script&gt;alert(1)" in panel(client, submission_id)


def test_after_due_waits_for_the_students_extension(client, student_user, graded) -> None:
    now = timezone.now()
    assignment, submission_id = graded(FeedbackVisibility.AFTER_DUE)
    Assignment.objects.filter(pk=assignment.pk).update(opens_at=now - timedelta(days=5), due_at=now - timedelta(hours=1))
    ExtensionFactory(assignment=assignment, student=student_user, due_at=now + timedelta(days=1))
    client.force_login(student_user)
    html = panel(client, submission_id)
    assert "alert(1)" not in html and 'data-feedback="scores"' in html


@pytest.mark.parametrize("visibility", [FeedbackVisibility.HIDDEN, FeedbackVisibility.AFTER_DUE])
def test_staff_always_see_everything(client, graded, visibility) -> None:
    _, submission_id = graded(visibility)
    admin = UserFactory(username="root", is_staff=True)
    client.force_login(admin)
    html = panel(client, submission_id)
    assert 'data-feedback="full"' in html and "&lt;script&gt;alert(1)" in html


def test_the_full_page_follows_the_same_rule(client, student_user, graded) -> None:
    _, submission_id = graded(FeedbackVisibility.HIDDEN)
    client.force_login(student_user)
    html = client.get(f"/submissions/{submission_id}/").content.decode()
    assert "test-row" not in html and "alert(1)" not in html


def test_cohort_staff_role_is_not_limited_either(cohort, enrol, make_assignment, submit, grade, client) -> None:
    ta = UserFactory(username="tara")
    enrol(ta, cohort, role=Role.TA)
    assignment = make_assignment(cohort, feedback_visibility=FeedbackVisibility.HIDDEN)
    submission = submit(ta, assignment)  # a TA trying the assignment out
    grade(submission, failing=["test_ignores_case"], messages={"test_ignores_case": SECRET})
    client.force_login(ta)
    assert "&lt;script&gt;alert(1)" in panel(client, submission.pk)


def test_practice_submissions_are_unaffected(client, student_user, synced_exercise, reference_source, grade) -> None:
    from grading import intake

    submission = intake.submission_create(
        student=student_user, exercise=synced_exercise, uploads={"solution.py": reference_source}
    )
    grade(submission, failing=["test_ignores_case"], messages={"test_ignores_case": SECRET})
    client.force_login(student_user)
    html = panel(client, submission.pk)
    assert 'data-feedback="full"' in html and "&lt;script&gt;alert(1)" in html and "assignment-link" not in html


@pytest.mark.parametrize(
    ("visibility", "tests", "message"),
    [(FeedbackVisibility.VISIBLE, 7, SECRET), (FeedbackVisibility.AFTER_DUE, 7, ""), (FeedbackVisibility.HIDDEN, 0, None)],
)
def test_the_assignment_api_follows_the_same_rule(student_user, graded, visibility, tests, message) -> None:
    from rest_framework.test import APIClient

    assignment, submission_id = graded(visibility)
    client = APIClient()
    client.force_authenticate(student_user)
    body = client.get(f"/api/v1/assignments/{assignment.pk}/submissions/").json()
    run = body["results"][0]["run"]
    assert run["score"] == 8 and run["status"] == "graded" and len(run["tests"]) == tests
    if message is not None:
        failed = next(t for t in run["tests"] if t["name"] == "test_ignores_case")
        assert failed["outcome"] == "failed" and failed["points"] == 0 and failed["message"] == message


def test_the_submissions_api_hides_messages_of_a_hidden_assignment(student_user, graded) -> None:
    from rest_framework.test import APIClient

    _, submission_id = graded(FeedbackVisibility.HIDDEN)
    client = APIClient()
    client.force_authenticate(student_user)
    assert "alert(1)" not in client.get(f"/api/v1/submissions/{submission_id}/").content.decode()
