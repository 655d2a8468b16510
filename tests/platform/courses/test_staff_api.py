"""The staff API (/api/v1/staff/): who may call what (the cohort's TAs and instructors; 404 for students and
for staff of another cohort, 401 without a sign-in, 403 for a TA where only instructors may), changes made
through the pages' services with their audit rows, the gradebook's numbers equal to its CSV's, every test of
a submission (hidden ones included), and every path in the OpenAPI schema."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from courses.models import Assignment, Extension, Role
from grading.models import SubmissionFile, TestResult
from tests.support.factories import UserFactory
from web import tokens


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(user)[1]}")
    return client


def when(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


@pytest.fixture
def people(cohort, other_cohort, enrol):  # type: ignore[no-untyped-def]
    made = {}
    for name, target, role in [
        ("ines", cohort, Role.INSTRUCTOR), ("tara", cohort, Role.TA), ("ada", cohort, Role.STUDENT),
        ("bo", cohort, Role.STUDENT), ("oscar", other_cohort, Role.TA),
    ]:
        made[name] = UserFactory(username=name)
        enrol(made[name], target, role=role)
    return made


@pytest.fixture
def world(cohort, people, make_assignment, submit, grade, backdate):  # type: ignore[no-untyped-def]
    """An assignment due two days ago (10% off per started day late): ada submitted 30 hours late (two days:
    10 -> 8), bo on time with two failing tests (7), one of them hidden; bo has an extension."""
    now = timezone.now()
    due = now - timedelta(days=2)
    assignment = make_assignment(
        cohort, opens_at=now - timedelta(days=9), due_at=due, late_penalty_per_day=0.1,
        hard_cutoff_at=now + timedelta(days=1),
    )
    late = submit(people["ada"], assignment)
    grade(late)
    backdate(late, due + timedelta(hours=30))
    on_time = submit(people["bo"], assignment)
    grade(on_time, failing=["test_ignores_case", "test_simple_sentence"],
          messages={"test_ignores_case": "expected {'the': 2}, the hidden input"})
    backdate(on_time, due - timedelta(hours=1))
    TestResult.objects.filter(run__submission=on_time, name="test_ignores_case").update(hidden=True)
    SubmissionFile.objects.create(submission=on_time, name="data.bin", content=b"\xff\xfe\x00binary")
    Extension.objects.create(assignment=assignment, student=people["bo"], due_at=now + timedelta(days=3), reason="ill")
    return {"assignment": assignment, "late": late, "on_time": on_time}


def test_who_may_call_what(cohort, other_cohort, people, world) -> None:  # type: ignore[no-untyped-def]
    a, sub = world["assignment"].pk, world["on_time"].pk
    reads = [
        f"/api/v1/staff/cohorts/{cohort.pk}/assignments/", f"/api/v1/staff/assignments/{a}/",
        f"/api/v1/staff/assignments/{a}/extensions/", f"/api/v1/staff/cohorts/{cohort.pk}/gradebook/",
        f"/api/v1/staff/cohorts/{cohort.pk}/gradebook.csv", f"/api/v1/staff/assignments/{a}/submissions/",
        f"/api/v1/staff/submissions/{sub}/",
    ]
    for name in ["tara", "ines"]:
        client = api_for(people[name])
        for url in reads:
            assert client.get(url).status_code == 200, (name, url)
            # A browser's Accept gets the browsable page (the CSV its download), never a 500.
            assert client.get(url, HTTP_ACCEPT="text/html").status_code == 200, (name, url)
        assert client.get(f"/api/v1/staff/cohorts/{cohort.pk}/gradebook.csv", HTTP_ACCEPT="text/csv").status_code == 200
        listed = client.get("/api/v1/staff/cohorts/").json()
        role = "instructor" if name == "ines" else "ta"
        assert [(c["id"], c["role"], c["course"]) for c in listed["results"]] == [(cohort.pk, role, "ai-101")]
    for name in ["oscar", "ada"]:  # staff of another cohort, a student of this one: as if nothing existed
        client = api_for(people[name])
        for url in reads:
            response = client.get(url)
            assert response.status_code == 404, (name, url)
            assert set(response.json()["error"]) == {"code", "message", "details"}
        csv_refused = client.get(f"/api/v1/staff/cohorts/{cohort.pk}/gradebook.csv", HTTP_ACCEPT="text/csv")
        assert csv_refused.status_code == 404 and "error" in csv_refused.json()
        mine = [c["id"] for c in client.get("/api/v1/staff/cohorts/").json()["results"]]
        assert mine == ([other_cohort.pk] if name == "oscar" else [])
    admin = api_for(UserFactory(username="root", is_staff=True))  # acts as an instructor of every cohort
    assert {(c["id"], c["role"]) for c in admin.get("/api/v1/staff/cohorts/").json()["results"]} == {
        (cohort.pk, "instructor"), (other_cohort.pk, "instructor")
    }
    anonymous = api_for(None)
    for url in [*reads, "/api/v1/staff/cohorts/"]:
        assert anonymous.get(url).status_code == 401, url

    # Writes: refused before anything is read or saved.
    create = {"exercise": world["assignment"].exercise.slug, "opens_at": when(-1), "due_at": when(7)}
    grant = {"student": people["ada"].pk, "due_at": when(5), "extra_attempts": 1, "reason": "ill"}
    writes = [
        ("post", f"/api/v1/staff/cohorts/{cohort.pk}/assignments/", create),
        ("patch", f"/api/v1/staff/assignments/{a}/", {"attempts_cap": 1}),
        ("post", f"/api/v1/staff/assignments/{a}/extensions/", grant),
        ("delete", f"/api/v1/staff/assignments/{a}/extensions/{people['bo'].pk}/?reason=no", None),
    ]
    for who, expected in [(None, 401), (people["ada"], 404), (people["oscar"], 404)]:
        for method, url, body in writes:
            assert getattr(api_for(who), method)(url, body, format="json").status_code == expected, (who, url)
    tara = api_for(people["tara"])
    for method, url, body in writes[:2]:  # instructors only
        response = getattr(tara, method)(url, body, format="json")
        assert response.status_code == 403 and "Only the cohort's instructors" in response.json()["error"]["message"]
    assert Assignment.objects.count() == 1 and Assignment.objects.get().attempts_cap is None
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"submission.opened"}  # the reads
    assert Extension.objects.count() == 1


def test_an_instructor_creates_and_changes_an_assignment(cohort, people, synced_exercise) -> None:  # type: ignore[no-untyped-def]
    client = api_for(people["ines"])
    url = f"/api/v1/staff/cohorts/{cohort.pk}/assignments/"
    rules: dict[str, Any] = {
        "exercise": synced_exercise.slug, "opens_at": when(-1), "due_at": when(7), "late_penalty_per_day": 0.1,
        "attempts_per_day": 5, "feedback_visibility": "after_due",
    }
    # Bad rules: a 400 naming the field, as the page's form says it, and nothing saved.
    refused: list[tuple[dict[str, Any], str, str]] = [
        ({"due_at": when(-3)}, "due_at", "must not be before the assignment opens"),
        ({"opens_at": "next tuesday"}, "opens_at", "Datetime has wrong format"),
        ({"hard_cutoff_at": when(3)}, "hard_cutoff_at", "must not be before the due date"),
        ({"late_penalty_per_day": 1.5}, "late_penalty_per_day", "between 0 and 1"),
        ({"exercise": "no/such-exercise"}, "exercise", "Select a valid choice"),
    ]
    for changes, field, message in refused:
        response = client.post(url, rules | changes, format="json")
        assert response.status_code == 400, (changes, response.content)
        error = response.json()["error"]
        assert list(error["details"]) == [field] and message in error["details"][field][0], error
    assert not Assignment.objects.exists() and not AuditEvent.objects.exists()

    response = client.post(url, rules, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assignment = Assignment.objects.get(pk=body["id"])
    assert assignment.exercise_version == synced_exercise.current_version  # none given: the current one
    assert (body["exercise"], body["attempts_per_day"], body["attempts_cap"], body["max_score"]) == (
        synced_exercise.slug, 5, None, "10"
    )
    assert (body["feedback_visibility"], body["score_policy"], body["grader"]) == (
        "after_due", "best", synced_exercise.current_version.short_hash
    )
    assert client.post(url, rules, format="json").json()["error"]["details"]["exercise"][0].startswith(
        "This cohort has an assignment of this exercise already"
    )

    old_due = assignment.due_at
    detail = f"/api/v1/staff/assignments/{assignment.pk}/"
    bad = client.patch(detail, {"hard_cutoff_at": when(1)}, format="json")
    assert bad.status_code == 400 and list(bad.json()["error"]["details"]) == ["hard_cutoff_at"]
    response = client.patch(detail, {"due_at": when(14), "attempts_cap": 20}, format="json")
    assert response.status_code == 200, response.content
    assignment.refresh_from_db()
    assert assignment.attempts_cap == 20 and assignment.due_at > old_due and assignment.attempts_per_day == 5
    assert assignment.feedback_visibility == "after_due"  # what was not given stays
    assert api_for(people["tara"]).get(detail).json()["attempts_cap"] == 20

    created, updated = AuditEvent.objects.filter(cohort_id=cohort.pk).order_by("pk")
    assert (created.action, created.actor_name, created.before) == ("assignment.create", "ines", None)
    assert created.after["attempts_per_day"] == 5  # type: ignore[index]
    assert created.after["exercise_id"] == synced_exercise.pk  # type: ignore[index]
    assert updated.action == "assignment.update" and set(updated.after) == {"due_at", "attempts_cap"}  # type: ignore[arg-type]
    assert updated.before == {"due_at": old_due.isoformat(), "attempts_cap": None}


def test_staff_grant_and_withdraw_extensions_with_a_reason(people, world) -> None:  # type: ignore[no-untyped-def]
    assignment = world["assignment"]
    url = f"/api/v1/staff/assignments/{assignment.pk}/extensions/"
    client = api_for(people["tara"])  # any of the cohort's staff
    ada = people["ada"]
    for body, field in [
        ({"student": ada.pk, "extra_attempts": 1, "reason": ""}, "reason"),
        ({"student": people["tara"].pk, "extra_attempts": 1, "reason": "x"}, "student"),  # not a student
        ({"student": ada.pk, "extra_attempts": -1, "reason": "x"}, "extra_attempts"),
        ({"student": ada.pk, "due_at": "soon", "reason": "x"}, "due_at"),
        ({"student": ada.pk, "due_at": when(-30), "reason": "x"}, "due_at"),  # the service's own rule
    ]:
        response = client.post(url, body, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["details"], (body, response.content)
    assert not AuditEvent.objects.exists()

    response = client.post(url, {"student": ada.pk, "due_at": when(5), "extra_attempts": 2, "reason": "broken laptop"},
                           format="json")
    assert response.status_code == 201, response.content
    granted = Extension.objects.get(assignment=assignment, student=ada)
    assert response.json()["username"] == "ada" and response.json()["granted_by"] == "tara"
    listed = client.get(url).json()
    assert [(x["username"], x["extra_attempts"]) for x in listed["results"]] == [("ada", 2), ("bo", 0)]
    event = AuditEvent.objects.get(action="extension.grant")
    assert (event.actor_name, event.before, event.reason, event.cohort_id) == (
        "tara", None, "broken laptop", assignment.cohort_id
    )
    assert event.after == {"due_at": granted.due_at.isoformat(), "extra_attempts": 2}

    withdraw = f"{url}{ada.pk}/"
    assert client.delete(withdraw).status_code == 400  # no reason
    assert client.delete(f"{url}{people['tara'].pk}/?reason=x").status_code == 404  # no extension
    assert client.delete(f"{withdraw}?reason=granted+by+mistake").status_code == 204
    assert not Extension.objects.filter(student=ada).exists()
    revoked = AuditEvent.objects.get(action="extension.revoke")
    assert (revoked.reason, revoked.before["extra_attempts"]) == ("granted by mistake", 2)  # type: ignore[index]


def test_the_gradebook_json_has_the_numbers_of_the_csv(cohort, people, world) -> None:  # type: ignore[no-untyped-def]
    client = api_for(people["ines"])
    body = client.get(f"/api/v1/staff/cohorts/{cohort.pk}/gradebook/").json()
    response = client.get(f"/api/v1/staff/cohorts/{cohort.pk}/gradebook.csv")
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    slug = world["assignment"].exercise.slug
    assert [a["exercise"] for a in body["assignments"]] == [slug] and body["assignments"][0]["max_score"] == "10"
    assert [s["username"] for s in body["students"]] == [row["username"] for row in table] == ["ada", "bo"]
    for student, row in zip(body["students"], table, strict=True):
        (cell,) = student["cells"]
        assert (cell["score"] or "") == row[slug] and student["total"] == row["total"]
        assert student["display_name"] == row["display name"]
    ada, bo = (s["cells"][0] for s in body["students"])
    # Exact decimals as strings; the late one counts after its penalty, the raw score before.
    assert (ada["score"], ada["raw"], ada["late"], ada["attempts"]) == ("8", "10", True, 1)
    assert ada["submission"] == world["late"].pk and ada["questions"] == {}
    assert (bo["score"], bo["raw"], bo["late"], bo["submission"]) == ("7", "7", False, world["on_time"].pk)
    assert Decimal(ada["score"]) + Decimal(bo["score"]) == Decimal(15)


def test_submissions_and_one_in_full(cohort, people, world, reference_source) -> None:  # type: ignore[no-untyped-def]
    assignment, on_time = world["assignment"], world["on_time"]
    client = api_for(people["tara"])
    listed = client.get(f"/api/v1/staff/assignments/{assignment.pk}/submissions/").json()
    assert listed["count"] == 2 and {"next", "previous"} <= set(listed)
    assert [(s["username"], s["status"], s["score"], s["max_score"]) for s in listed["results"]] == [
        ("ada", "graded", "10", "10"), ("bo", "graded", "7", "10")
    ]  # newest first (ada's, backdated to after the due date)
    only_bo = client.get(f"/api/v1/staff/assignments/{assignment.pk}/submissions/?student=bo").json()
    assert [s["id"] for s in only_bo["results"]] == [on_time.pk]

    body = client.get(f"/api/v1/staff/submissions/{on_time.pk}/").json()
    assert (body["username"], body["score"], body["assignment"]) == ("bo", "7", assignment.pk)
    files = {f["name"]: f for f in body["files"]}
    assert files["solution.py"]["text"] == reference_source.decode()
    assert files["solution.py"]["size"] == len(reference_source)
    assert files["data.bin"] == {"name": "data.bin", "size": 9, "text": None}  # not UTF-8: its size only
    (run,) = body["runs"]
    tests = {t["name"]: t for t in run["tests"]}
    assert len(tests) == len(on_time.exercise_version.manifest)
    hidden = tests["test_ignores_case"]  # named, with its message, for staff
    assert (hidden["hidden"], hidden["outcome"], hidden["points"], hidden["max_points"]) == (True, "failed", "0", "2")
    assert "the hidden input" in hidden["message"]
    assert (run["status"], run["score"], run["max_score"]) == ("graded", "7", "10")
    opened = AuditEvent.objects.get(action="submission.opened")
    assert (opened.actor_name, opened.cohort_id, opened.target) == ("tara", cohort.pk, f"submission {on_time.pk} of bo")


def test_the_schema_lists_every_staff_path(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/staff/cohorts/": {"get"},
        "/api/v1/staff/cohorts/{id}/assignments/": {"get", "post"},
        "/api/v1/staff/assignments/{id}/": {"get", "patch"},
        "/api/v1/staff/assignments/{id}/extensions/": {"get", "post"},
        "/api/v1/staff/assignments/{id}/extensions/{student_id}/": {"delete"},
        "/api/v1/staff/cohorts/{id}/gradebook/": {"get"},
        "/api/v1/staff/cohorts/{id}/gradebook.csv": {"get"},
        "/api/v1/staff/assignments/{id}/submissions/": {"get"},
        "/api/v1/staff/submissions/{id}/": {"get"},
        "/api/v1/staff/assignments/{id}/rubric/": {"get", "post"},
        "/api/v1/staff/rubric-items/{id}/": {"put", "delete"},
        "/api/v1/staff/assignments/{id}/release/": {"post"},
        "/api/v1/staff/submissions/{id}/grade/": {"get", "put"},
        "/api/v1/staff/submissions/{id}/comments/": {"get", "post"},
    }
    assert {p for p in paths if p.startswith("/api/v1/staff/")} == set(expected)
    for path, methods in expected.items():
        operations = {m: op for m, op in paths[path].items() if m in {"get", "post", "put", "patch", "delete"}}
        assert set(operations) == methods, path
        for method, operation in operations.items():
            assert operation["tags"] == ["staff"], (path, method)
            assert set(operation["responses"]) & {"200", "201", "204"}, (path, method)
    writes = [
        ("/api/v1/staff/cohorts/{id}/assignments/", "post"), ("/api/v1/staff/assignments/{id}/", "patch"),
        ("/api/v1/staff/assignments/{id}/extensions/", "post"),
    ]
    for path, method in writes:
        assert "application/json" in paths[path][method]["requestBody"]["content"], (path, method)
    components = schema["components"]["schemas"]
    created = paths["/api/v1/staff/cohorts/{id}/assignments/"]["post"]["responses"]["201"]["content"]
    assert created["application/json"]["schema"]["$ref"].endswith("/StaffAssignment")
    assert components["GradebookCell"]["properties"]["score"]["type"] == "string"  # exact decimals
    assert "text/csv" in paths["/api/v1/staff/cohorts/{id}/gradebook.csv"]["get"]["responses"]["200"]["content"]
    withdraw = paths["/api/v1/staff/assignments/{id}/extensions/{student_id}/"]["delete"]
    assert "reason" in {p["name"] for p in withdraw["parameters"]}
