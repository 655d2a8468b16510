"""Who may see what, and the instructors' pages: the gradebook with its charts, its CSV export, and bulk
enrolment."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog.models import Exercise
from courses.models import Enrolment, Role
from tests.support.factories import UserFactory


@pytest.fixture
def people(cohort, other_cohort, enrol, student_user, other_student):  # type: ignore[no-untyped-def]
    """ada in the cohort, grace in the other cohort, a TA and an instructor of the cohort, and an admin."""
    enrol(student_user, cohort, pseudonym="Curious Otter")
    enrol(other_student, other_cohort, pseudonym="Quiet Heron")
    ta = UserFactory(username="tara")
    enrol(ta, cohort, role=Role.TA)
    teacher = UserFactory(username="ines")
    enrol(teacher, cohort, role=Role.INSTRUCTOR)
    admin = UserFactory(username="root", is_staff=True)
    return {"ada": student_user, "grace": other_student, "ta": ta, "teacher": teacher, "admin": admin}


# ------------------------------------------------------------------------------------ permissions


def test_a_student_never_sees_another_cohorts_assignment(client, people, cohort, make_assignment, reference_source) -> None:
    assignment = make_assignment(cohort)
    client.force_login(people["grace"])
    assert client.get(f"/assignments/{assignment.pk}/").status_code == 404
    assert client.get(f"/assignments/{assignment.pk}/leaderboard/").status_code == 404
    response = client.post(
        f"/assignments/{assignment.pk}/submit/", {"files": [SimpleUploadedFile("solution.py", reference_source)]}
    )
    assert response.status_code == 404
    assert "Word frequencies" not in client.get("/courses/").content.decode()


def test_an_unknown_assignment_is_the_same_404(client, people) -> None:
    client.force_login(people["ada"])
    assert client.get("/assignments/999999/").status_code == 404


@pytest.mark.parametrize("url", ["/cohorts/{id}/gradebook/", "/cohorts/{id}/gradebook.csv", "/cohorts/{id}/enrol/"])
def test_students_cannot_open_the_staff_pages(client, people, cohort, url) -> None:
    client.force_login(people["ada"])
    assert client.get(url.format(id=cohort.pk)).status_code == 404
    assert client.post(url.format(id=cohort.pk)).status_code == 404


@pytest.mark.parametrize("who", ["ta", "teacher", "admin"])
def test_cohort_staff_and_admins_can(client, people, cohort, who) -> None:
    client.force_login(people[who])
    assert client.get(f"/cohorts/{cohort.pk}/gradebook/").status_code == 200
    assert client.get(f"/cohorts/{cohort.pk}/gradebook.csv").status_code == 200
    assert client.get(f"/cohorts/{cohort.pk}/enrol/").status_code == 200
    assert f'href="/cohorts/{cohort.pk}/gradebook/"' in client.get("/courses/").content.decode()


def test_staff_of_one_cohort_are_not_staff_of_another(client, people, other_cohort) -> None:
    client.force_login(people["teacher"])
    assert client.get(f"/cohorts/{other_cohort.pk}/gradebook/").status_code == 404
    assert client.get(f"/cohorts/{other_cohort.pk}/gradebook.csv").status_code == 404


# ------------------------------------------------------------------------------------ gradebook


@pytest.fixture
def book(people, cohort, enrol, make_assignment, submit, grade, backdate):  # type: ignore[no-untyped-def]
    """Two assignments; ada on time and late, bo on time, cy nothing; the instructor tried one out."""
    bo = UserFactory(username="bo", first_name="Bo", last_name="Ek")
    enrol(bo, cohort, pseudonym="=HYPERLINK(\"http://evil\")", show_name=False)
    cy = UserFactory(username="cy")
    enrol(cy, cohort)
    now = timezone.now()
    due = now - timedelta(days=2)
    words = make_assignment(
        cohort, opens_at=now - timedelta(days=9), due_at=due, late_penalty_per_day=0.1, hard_cutoff_at=now + timedelta(days=1)
    )
    metrics = make_assignment(cohort, exercise=Exercise.objects.get(slug="classical-ml/classification-metrics"))
    late = submit(people["ada"], words)
    grade(late)
    backdate(late, due + timedelta(hours=30))  # two started days: 8
    on_time = submit(bo, words)
    grade(on_time, failing=["test_ignores_case", "test_simple_sentence"])  # 7
    backdate(on_time, due - timedelta(hours=1))
    grade(submit(bo, metrics), failing=["test_errors"])  # 11 of 12
    grade(submit(people["teacher"], words), failing=["test_ignores_case"])  # staff: not in the mean
    return {"words": words, "metrics": metrics, "bo": bo, "cy": cy}


def test_the_gradebook_table(client, people, cohort, book) -> None:
    client.force_login(people["teacher"])
    html = client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    rows = re.findall(r'<tr class="gradebook-row" data-username="([^"]+)">(.*?)</tr>', html, re.S)
    assert [name for name, _ in rows] == ["ada", "bo", "cy"]  # students only, by username
    ada_row = dict(rows)["ada"]
    assert re.search(r'class="cell late"[^>]*10 before the late penalty', ada_row)
    assert re.search(r">\s*8 <span class=\"pill running\">late</span>", ada_row)
    bo_cells = [re.sub(r"<[^>]+>|\s+", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", dict(rows)["bo"], re.S)]
    assert bo_cells[2:] == [["7"], ["11"], ["18"]]  # on time, on time, total
    means = re.sub(r"\s+", " ", re.search(r'<tr id="means">(.*?)</tr>', html, re.S).group(1))
    assert "7.50 <span class=\"muted\">(n=2)</span>" in means  # (8 + 7) / 2: the instructor's try is left out
    assert "11 <span class=\"muted\">(n=1)</span>" in means
    assert "&quot;http://evil&quot;" in html  # escaped


def test_the_gradebook_charts_are_inline_svg(client, people, cohort, book) -> None:
    client.force_login(people["teacher"])
    html = client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    charts = re.search(rf'id="charts-{book["words"].pk}">(.*?)</section>', html, re.S).group(1)
    assert charts.count("<svg") == 2
    assert 'aria-label="Scores: Word frequencies"' in charts
    assert 'aria-label="Most-failed tests: Word frequencies"' in charts
    # test_ignores_case failed for bo and for the instructor; test_simple_sentence for bo only.
    bars = re.findall(r"<title>(test_[a-z_]+)</title>[^<]*</text><rect[^>]*data-count=\"(\d+)\"", charts)
    assert bars[:2] == [("test_ignores_case", "2"), ("test_simple_sentence", "1")]
    assert "<script" not in charts


def test_the_csv_export(client, people, cohort, book) -> None:
    client.force_login(people["ta"])
    response = client.get(f"/cohorts/{cohort.pk}/gradebook.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="ai-101-autumn-gradebook.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["username", "display name", "python-foundations/word-frequencies", "classical-ml/classification-metrics", "total"],
        ["ada", "Curious Otter", "8", "", "8"],
        ["bo", "'=HYPERLINK(\"http://evil\")", "7", "11", "18"],  # a formula is defused
        ["cy", f"Learner {Enrolment.objects.get(user=book['cy']).pk}", "", "", "0"],
    ]


# ------------------------------------------------------------------------------------ enrolment


def roster(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")


def test_bulk_enrolment(client, people, cohort) -> None:
    client.force_login(people["teacher"])
    text = "\ufeffusername,email,role,pseudonym\nnew1,new1@example.org,student,Red Fox\nada,,student,\ntim,tim@example.org,TA\n"
    response = client.post(f"/cohorts/{cohort.pk}/enrol/", {"roster": roster(text)})
    assert response.status_code == 200
    assert "3 enrolled, 2 new accounts" in response.content.decode()
    users = get_user_model().objects
    assert not users.get(username="new1").has_usable_password()
    assert Enrolment.objects.get(cohort=cohort, user__username="new1").pseudonym == "Red Fox"
    assert Enrolment.objects.get(cohort=cohort, user__username="tim").role == Role.TA
    # ada was enrolled already: her own pseudonym survives a roster line without one.
    assert Enrolment.objects.get(cohort=cohort, user__username="ada").pseudonym == "Curious Otter"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("username,email,role\nok1,,student\nbad,,wizard\nok2,,student\n", "line 3: needs a username and a role"),
        ("name,role\nx,student\n", "needs the columns username and role (missing: username)"),
        ("username,role,email\nshort,student\nfine,student,f@example.org\n", None),
    ],
)
def test_bulk_enrolment_is_all_or_nothing(client, people, cohort, text, message) -> None:
    client.force_login(people["teacher"])
    before = (get_user_model().objects.count(), Enrolment.objects.count())
    response = client.post(f"/cohorts/{cohort.pk}/enrol/", {"roster": roster(text)})
    if message is None:  # a short line is fine (the email is optional)
        assert response.status_code == 200
        return
    assert response.status_code == 400
    alert = re.search(r'role="alert"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert alert and message in alert.group(1) and "Nobody was enrolled" in alert.group(1)
    assert (get_user_model().objects.count(), Enrolment.objects.count()) == before


def test_a_roster_that_is_not_utf8_is_a_400(client, people, cohort) -> None:
    client.force_login(people["teacher"])
    upload = SimpleUploadedFile("roster.csv", b"username,role\n\xff\xfe,student\n", content_type="text/csv")
    response = client.post(f"/cohorts/{cohort.pk}/enrol/", {"roster": upload})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert "not UTF-8" in response.content.decode()
