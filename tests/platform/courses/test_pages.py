"""The student pages: my courses, an assignment (statement, rules, attempts, submit), its leaderboard, and
how I appear on leaderboards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from courses.models import Enrolment
from grading.models import Submission
from tests.support.factories import ExtensionFactory


@pytest.fixture
def ada(client, cohort, enrol, student_user):  # type: ignore[no-untyped-def]
    enrol(student_user, cohort, pseudonym="Curious Otter")
    client.force_login(student_user)
    return client


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/x-python")


def text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def test_my_courses_lists_cohorts_assignments_attempts_and_scores(
    ada, cohort, student_user, make_assignment, submit, grade
) -> None:
    due = timezone.now() + timedelta(days=3)
    assignment = make_assignment(cohort, due_at=due, attempts_per_day=5, attempts_cap=20)
    grade(submit(student_user, assignment), failing=["test_simple_sentence"])
    grade(submit(student_user, assignment), failing=["test_simple_sentence", "test_ignores_case"])
    page = text(ada.get("/courses/"))
    assert "AI Engineering 101 · Autumn 2026" in page
    assert "Word frequencies" in page and f'href="/assignments/{assignment.pk}/"' in page
    assert f"{due:%Y-%m-%d %H:%M}" in page
    assert "3 of 5 today, 18 of 20 in total" in page
    assert "9 / 10" in page  # my best
    assert "Others see you as <strong>Curious Otter</strong>" in page
    assert "Teaching" not in page  # no staff links for a student


def test_the_courses_page_shows_an_extended_due_date(ada, cohort, student_user, make_assignment) -> None:
    assignment = make_assignment(cohort)
    extended = assignment.due_at + timedelta(days=2)
    ExtensionFactory(assignment=assignment, student=student_user, due_at=extended)
    page = text(ada.get("/courses/"))
    assert f"{extended:%Y-%m-%d %H:%M}" in page and "extended" in page


def test_the_assignment_page_shows_statement_rules_and_attempts(
    ada, cohort, student_user, make_assignment, submit
) -> None:
    now = timezone.now()
    assignment = make_assignment(
        cohort,
        due_at=now + timedelta(days=7),
        hard_cutoff_at=now + timedelta(days=10),
        attempts_per_day=2,
        late_penalty_per_day=0.1,
    )
    first = submit(student_user, assignment)
    submit(student_user, assignment)
    response = ada.get(f"/assignments/{assignment.pk}/")
    assert response.status_code == 200
    page = text(response)
    assert "<h1" in page and "Word frequencies" in page
    assert "count_words" in page  # the statement
    assert f"{assignment.opens_at:%Y-%m-%d %H:%M} UTC" in page
    assert f"{assignment.due_at:%Y-%m-%d %H:%M} UTC" in page
    assert f"10% off per started day late; not accepted after {assignment.hard_cutoff_at:%Y-%m-%d %H:%M} UTC" in page
    refill = first.created_at + timedelta(days=1)
    assert f"0 of 2 today; the next one frees up at {refill:%Y-%m-%d %H:%M} UTC" in page
    assert f'action="/assignments/{assignment.pk}/submit/"' in page
    assert page.count('href="/submissions/') == 2  # my submissions for it


def test_submitting_redirects_to_the_submission(
    ada, cohort, make_assignment, reference_source, sent, django_capture_on_commit_callbacks
) -> None:
    assignment = make_assignment(cohort)
    with django_capture_on_commit_callbacks(execute=True):
        response = ada.post(
            f"/assignments/{assignment.pk}/submit/", {"files": [upload("solution.py", reference_source)]}
        )
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/submissions/{submission.pk}/"
    assert submission.assignment_id == assignment.pk and len(sent) == 1
    page = text(ada.get(f"/submissions/{submission.pk}/"))
    assert f'href="/assignments/{assignment.pk}/leaderboard/"' in page


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("closed", "late submissions are no longer accepted. Nothing was submitted."),
        ("no-attempts", "You have used your 1 attempts of the last 24 hours"),
        ("wrong-name", "Expected solution.py but got answer.py"),
    ],
)
def test_a_refused_submission_is_a_400_with_the_sentence(
    ada, cohort, student_user, make_assignment, submit, reference_source, setup, message
) -> None:
    now = timezone.now()
    if setup == "closed":
        assignment = make_assignment(
            cohort, opens_at=now - timedelta(days=9), due_at=now - timedelta(days=2), hard_cutoff_at=now - timedelta(days=1)
        )
    else:
        assignment = make_assignment(cohort, attempts_per_day=1)
    if setup == "no-attempts":
        submit(student_user, assignment)
    before = Submission.objects.count()
    name = "answer.py" if setup == "wrong-name" else "solution.py"
    response = ada.post(f"/assignments/{assignment.pk}/submit/", {"files": [upload(name, reference_source)]})
    assert response.status_code == 400
    alert = re.search(r'role="alert">(.*?)</p>', response.content.decode(), re.S)
    assert alert and message in alert.group(1)
    assert Submission.objects.count() == before


def test_the_leaderboard_page_highlights_me(
    ada, cohort, enrol, student_user, other_student, make_assignment, submit, grade
) -> None:
    enrol(other_student, cohort, pseudonym="Quiet <b>Heron</b>")
    assignment = make_assignment(cohort)
    grade(submit(other_student, assignment))
    grade(submit(student_user, assignment), failing=["test_simple_sentence"])
    page = text(ada.get(f"/assignments/{assignment.pk}/leaderboard/"))
    assert "Ranked by best score, earliest submission first on ties." in page
    assert "Quiet &lt;b&gt;Heron&lt;/b&gt;" in page  # names are escaped
    mine = re.search(r'<tr class="leaderboard-row me"[^>]*aria-current="true"[^>]*>(.*?)</tr>', page)
    assert mine and "Curious Otter" in mine.group(1) and "<td>2</td>" in mine.group(1)


def test_the_leaderboard_shows_the_metric_column(ada, cohort, student_user, make_assignment, submit, grade) -> None:
    from catalog.models import Exercise

    assignment = make_assignment(cohort, exercise=Exercise.objects.get(slug="classical-ml/digits-challenge"))
    grade(submit(student_user, assignment), metrics={"public": {"accuracy": 0.9312}, "private": {"accuracy": 0.9}})
    page = text(ada.get(f"/assignments/{assignment.pk}/leaderboard/"))
    assert "<th>accuracy</th>" in page and "0.9312" in page
    assert "Ranked by accuracy on the public part. The private part is revealed after the due date." in page


def test_i_choose_my_pseudonym_and_whether_my_name_shows(ada, cohort, student_user) -> None:
    student_user.first_name, student_user.last_name = "Ada", "Lovelace"
    student_user.save()
    enrolment = Enrolment.objects.get(user=student_user)
    prefix = f"e{enrolment.pk}"
    response = ada.post(f"/cohorts/{cohort.pk}/leaderboard-name/", {f"{prefix}-pseudonym": "  Night   Owl "})
    assert response.status_code == 302 and response["Location"] == f"/courses/#cohort-{cohort.pk}"
    enrolment.refresh_from_db()
    assert (enrolment.pseudonym, enrolment.show_name, enrolment.display_name) == ("Night Owl", False, "Night Owl")
    ada.post(f"/cohorts/{cohort.pk}/leaderboard-name/", {f"{prefix}-pseudonym": "Night Owl", f"{prefix}-show_name": "on"})
    enrolment.refresh_from_db()
    assert enrolment.show_name and enrolment.display_name == "Ada Lovelace"


def test_a_pseudonym_taken_in_the_cohort_is_refused(ada, cohort, enrol, student_user, other_student) -> None:
    enrol(other_student, cohort, pseudonym="Night Owl")
    enrolment = Enrolment.objects.get(user=student_user)
    response = ada.post(f"/cohorts/{cohort.pk}/leaderboard-name/", {f"e{enrolment.pk}-pseudonym": "night owl"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode() and "already uses this pseudonym" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.pseudonym == "Curious Otter"


def test_i_cannot_change_my_name_in_a_cohort_i_am_not_in(ada, other_cohort) -> None:
    assert ada.post(f"/cohorts/{other_cohort.pk}/leaderboard-name/", {"pseudonym": "x"}).status_code == 404


def test_pages_need_a_signed_in_user(client, cohort, make_assignment) -> None:
    assignment = make_assignment(cohort)
    for url in ("/courses/", f"/assignments/{assignment.pk}/", f"/cohorts/{cohort.pk}/gradebook/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
