"""The courses API: my assignments with attempts left, submitting to one, its leaderboard; another cohort's
assignment is a 404 with the API's error body."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from grading.models import GradingRun, Submission
from tests.support.factories import UserFactory
from web import tokens


@pytest.fixture
def api_for():  # type: ignore[no-untyped-def]
    def make(user) -> APIClient:  # type: ignore[no-untyped-def]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(user)[1]}")
        return client

    return make


@pytest.fixture
def setup(cohort, other_cohort, enrol, student_user, other_student, make_assignment):  # type: ignore[no-untyped-def]
    enrol(student_user, cohort, pseudonym="Curious Otter")
    enrol(other_student, other_cohort, pseudonym="Quiet Heron")
    mine = make_assignment(cohort, attempts_per_day=3, attempts_cap=10)
    theirs = make_assignment(other_cohort)
    return mine, theirs


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_my_assignments_with_attempts_left(setup, student_user, api_for, submit) -> None:
    mine, _ = setup
    submit(student_user, mine)
    body = api_for(student_user).get("/api/v1/assignments/").json()
    assert body["count"] == 1  # not the other cohort's
    item = body["results"][0]
    assert item["id"] == mine.pk and item["exercise"] == "python-foundations/word-frequencies"
    assert item["course"] == "AI Engineering 101" and item["cohort"] == "Autumn 2026"
    assert item["state"] == "open" and item["score"] is None and item["max_score"] == 10
    assert item["attempts"] == {
        "remaining": 2, "used_today": 1, "used_total": 1, "per_day": 3, "cap": 10, "next_refill_at": None
    }


def test_submit_to_an_assignment(setup, student_user, api_for, reference_source, sent) -> None:
    mine, _ = setup
    response = api_for(student_user).post(
        f"/api/v1/assignments/{mine.pk}/submissions/", {"files": [upload("solution.py", reference_source)]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["exercise"] == "python-foundations/word-frequencies" and body["run"]["status"] == "queued"
    assert Submission.objects.get(pk=body["id"]).assignment_id == mine.pk
    listed = api_for(student_user).get(f"/api/v1/assignments/{mine.pk}/submissions/").json()
    assert [s["id"] for s in listed["results"]] == [body["id"]]


def test_another_cohorts_assignment_is_a_404(setup, student_user, api_for, reference_source) -> None:
    _, theirs = setup
    client = api_for(student_user)
    for response in (
        client.get(f"/api/v1/assignments/{theirs.pk}/leaderboard/"),
        client.get(f"/api/v1/assignments/{theirs.pk}/submissions/"),
        client.post(
            f"/api/v1/assignments/{theirs.pk}/submissions/", {"files": [upload("solution.py", reference_source)]},
            format="multipart",
        ),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["message"]
    assert Submission.objects.count() == 0


def test_a_closed_assignment_is_a_400_with_the_sentence(
    cohort, enrol, student_user, make_assignment, api_for, reference_source
) -> None:
    enrol(student_user, cohort)
    now = timezone.now()
    closed = make_assignment(
        cohort, opens_at=now - timedelta(days=9), due_at=now - timedelta(days=2), hard_cutoff_at=now - timedelta(days=1)
    )
    response = api_for(student_user).post(
        f"/api/v1/assignments/{closed.pk}/submissions/", {"files": [upload("solution.py", reference_source)]},
        format="multipart",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] and error["message"] == "The request is not valid."
    assert "late submissions are no longer accepted" in error["details"]["assignment"][0]
    assert Submission.objects.count() == 0 and GradingRun.objects.count() == 0


@pytest.mark.parametrize(
    ("files", "message"),
    [([], "files"), ([("answer.py", b"x = 1\n")], "Expected solution.py but got answer.py")],
)
def test_bad_uploads_are_a_400_as_for_submissions(setup, student_user, api_for, files, message) -> None:
    mine, _ = setup
    data = {"files": [upload(name, content) for name, content in files]} if files else {}
    response = api_for(student_user).post(f"/api/v1/assignments/{mine.pk}/submissions/", data, format="multipart")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert "files" in details and message in str(details)
    assert Submission.objects.count() == 0


def test_the_leaderboard(setup, cohort, enrol, student_user, api_for, submit, grade) -> None:
    mine, _ = setup
    lin = UserFactory(username="lin")
    enrol(lin, cohort, pseudonym="Bold Lynx")
    grade(submit(lin, mine))
    grade(submit(student_user, mine), failing=["test_simple_sentence"])
    body = api_for(student_user).get(f"/api/v1/assignments/{mine.pk}/leaderboard/").json()
    assert body["metric"] is None and body["ranked_by"] == "best score, earliest submission first on ties"
    assert [(r["rank"], r["name"], r["score"], r["is_me"]) for r in body["results"]] == [
        (1, "Bold Lynx", 10.0, False),
        (2, "Curious Otter", 9.0, True),
    ]
    assert set(body["results"][0]) == {"rank", "name", "score", "metric", "submitted_at", "is_me"}


def test_anonymous_is_refused(setup) -> None:
    response = APIClient().get("/api/v1/assignments/")
    assert response.status_code in (401, 403) and response.json()["error"]["message"]


def test_submitting_shares_the_per_user_rate_limit(setup, student_user, api_for, reference_source, settings) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.GRADIENT_SUBMISSION_RATE = "2/min"
    mine, _ = setup
    client = api_for(student_user)

    def post(url: str, **data: str) -> int:
        files = {"files": [upload("solution.py", reference_source)]}
        return client.post(url, {**data, **files}, format="multipart").status_code

    from catalog.models import Exercise

    practice = Exercise.objects.filter(active=True, assignments__isnull=True, files=["solution.py"]).first()
    assert post("/api/v1/submissions/", exercise=practice.slug) == 201  # practice on an unassigned exercise
    assert post(f"/api/v1/assignments/{mine.pk}/submissions/") == 201
    response = client.post(
        f"/api/v1/assignments/{mine.pk}/submissions/", {"files": [upload("solution.py", reference_source)]},
        format="multipart",
    )
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
    assert Submission.objects.filter(assignment=mine).count() == 1
    assert client.get(f"/api/v1/assignments/{mine.pk}/submissions/").status_code == 200
    cache.clear()


def test_practice_cannot_get_around_an_open_assignment(setup, student_user, api_for, reference_source) -> None:
    mine, _ = setup
    response = api_for(student_user).post(
        "/api/v1/submissions/",
        {"exercise": mine.exercise.slug, "files": [upload("solution.py", reference_source)]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "submit it from the assignment's page" in response.json()["error"]["details"]["files"][0]
    assert Submission.objects.filter(student=student_user).count() == 0
