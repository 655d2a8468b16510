"""The REST API: authentication, validation with one error body, and who may see what."""

from __future__ import annotations

import dataclasses
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from grading import dispatch
from grading.models import GradingRun, Submission
from sandbox import SandboxConfig
from web import tokens

URL = "/api/v1/submissions/"


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    # Unit tests of the HTTP layer: the task itself is exercised end to end in tests/e2e.
    monkeypatch.setattr(dispatch, "send", lambda run, **_: None)


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def make(user) -> APIClient:  # type: ignore[no-untyped-def]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(user)[1]}")
        return client

    return make


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_anonymous_requests_are_refused(synced_exercise) -> None:
    response = APIClient().get(URL)
    assert response.status_code in (401, 403)
    assert response.json()["error"]["message"]


def test_submit_returns_201_with_a_queued_run(synced_exercise, student_user, reference_source, client_for) -> None:
    response = client_for(student_user).post(
        URL, {"exercise": synced_exercise.slug, "files": [upload("solution.py", reference_source)]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["exercise"] == synced_exercise.slug
    assert body["run"]["status"] == "queued" and body["run"]["tests_total"] == 7
    assert Submission.objects.filter(student=student_user).count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"exercise": "python-foundations/word-frequencies"}, "files"),
        ({"files": []}, "exercise"),
        ({"exercise": "nope/nothing", "files": "FILE"}, "exercise"),
        ({"exercise": "python-foundations/word-frequencies", "files": "WRONGNAME"}, "files"),
    ],
)
def test_malformed_requests_get_400_and_store_nothing(synced_exercise, student_user, client_for, data, field) -> None:
    data = dict(data)
    if data.get("files") == "FILE":
        data["files"] = [upload("solution.py", b"x = 1\n")]
    elif data.get("files") == "WRONGNAME":
        data["files"] = [upload("answer.py", b"x = 1\n")]
    response = client_for(student_user).post(URL, data, format="multipart")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] and error["message"] and field in error["details"]
    assert "Traceback" not in response.content.decode()
    assert Submission.objects.count() == 0 and GradingRun.objects.count() == 0


def test_oversized_upload_is_refused(synced_exercise, student_user, client_for, settings) -> None:
    settings.SANDBOX = dataclasses.replace(settings.SANDBOX, max_upload_bytes=1000)
    response = client_for(student_user).post(
        URL, {"exercise": synced_exercise.slug, "files": [upload("solution.py", b"#" * 5000)]}, format="multipart"
    )
    assert response.status_code == 400
    assert "larger than" in response.json()["error"]["details"]["files"][0]
    assert Submission.objects.count() == 0


def test_a_raised_upload_cap_reaches_the_sandbox(synced_exercise, student_user, client_for, settings) -> None:
    """GRADIENT_MAX_UPLOAD_BYTES is read once (settings.SANDBOX) and holds for the intake and the sandbox's
    loader alike: raised to 8 MiB, a 6 MiB notebook is taken (the loader once capped it at 5 MiB)."""
    cells = [
        {"cell_type": "markdown", "id": "notes", "metadata": {}, "source": "Notes. " * (6 * 1024 * 1024 // 7)},
        {"cell_type": "code", "id": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "def count_words(text):\n    return {}\n"},
    ]
    source = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}).encode()
    assert 6 * 1024 * 1024 < len(source) < 7 * 1024 * 1024
    settings.SANDBOX = SandboxConfig.from_env({"GRADIENT_MAX_UPLOAD_BYTES": str(8 * 1024 * 1024)})
    response = client_for(student_user).post(
        URL, {"exercise": synced_exercise.slug, "files": [upload("solution.ipynb", source)]}, format="multipart"
    )
    assert response.status_code == 201, response.content[:500]
    assert Submission.objects.get().files.get().name == "solution.ipynb"  # its code only: a few bytes
    settings.SANDBOX = SandboxConfig.from_env({"GRADIENT_MAX_UPLOAD_BYTES": str(5 * 1024 * 1024)})
    response = client_for(student_user).post(
        URL, {"exercise": synced_exercise.slug, "files": [upload("solution.ipynb", source)]}, format="multipart"
    )
    # Over the request limit that follows the cap (5 MiB + 1 MiB of form): refused before it is read.
    assert response.status_code == 413 and Submission.objects.count() == 1


def test_a_student_never_sees_another_students_submission(
    synced_exercise, student_user, other_student, reference_source, client_for
) -> None:
    created = client_for(student_user).post(
        URL, {"exercise": synced_exercise.slug, "files": [upload("solution.py", reference_source)]}, format="multipart"
    )
    submission_id = created.json()["id"]
    other = client_for(other_student)
    assert other.get(f"{URL}{submission_id}/").status_code == 404
    assert other.get(URL).json()["results"] == []
    mine = client_for(student_user).get(URL).json()
    assert [s["id"] for s in mine["results"]] == [submission_id]


def test_exercise_list_is_paginated_and_public_fields_only(synced_exercise, student_user, client_for) -> None:
    client = client_for(student_user)
    body = client.get("/api/v1/exercises/").json()
    assert body["count"] >= 1 and len(body["results"]) <= 50
    items = list(body["results"])
    while body["next"]:
        body = client.get(body["next"]).json()
        items += body["results"]
    assert len(items) == body["count"]
    item = next(e for e in items if e["slug"] == synced_exercise.slug)
    assert set(item) == {"slug", "title", "phase", "order", "summary", "skills", "files", "points", "gpu"}


def test_submissions_are_rate_limited_per_user(synced_exercise, student_user, other_student, client_for, settings):
    from django.core.cache import cache

    cache.clear()
    settings.GRADIENT_SUBMISSION_RATE = "2/min"
    client = client_for(student_user)

    def submit(who: APIClient) -> object:
        return who.post(URL, {"exercise": synced_exercise.slug, "files": [upload("solution.py", b"x = 1\n")]},
                        format="multipart")

    assert [submit(client).status_code for _ in range(3)] == [201, 201, 429]
    limited = submit(client)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "throttled"
    assert Submission.objects.filter(student=student_user).count() == 2  # the refused ones stored nothing
    assert client.get(URL).status_code == 200  # reading is not limited
    assert submit(client_for(other_student)).status_code == 201  # the limit is per user
    cache.clear()


def test_the_web_form_shares_the_rate_limit(synced_exercise, student_user, settings) -> None:
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    settings.GRADIENT_SUBMISSION_RATE = "1/min"
    web = Client()
    web.force_login(student_user)

    def submit() -> object:
        return web.post(f"/exercises/{synced_exercise.slug}/submit/", {"files": [upload("solution.py", b"x = 1\n")]})

    assert submit().status_code == 302
    refused = submit()
    assert refused.status_code == 429
    assert "submitting very fast" in refused.content.decode()
    assert Submission.objects.filter(student=student_user).count() == 1
    cache.clear()
