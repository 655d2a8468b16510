"""Unlisted exercises (`unlisted = true`): a course's own, on no roadmap page or roadmap leaderboard and open
to no practice, reached by its students through an assignment that schedules it for their cohort."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from catalog.models import Exercise
from grading import dispatch
from grading.models import Submission
from grading.selectors import roadmap_leaderboard
from tests.support.factories import AssignmentFactory, EnrolmentFactory, ExerciseBestFactory, UserFactory
from tests.support.paths import PRICE_STATS, PRIVATE_SOURCE
from web import tokens

REFERENCE = (PRIVATE_SOURCE / "graders" / PRICE_STATS / "reference" / "solution.py").read_bytes()
WORD_FREQ = "python-foundations/word-frequencies"


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "send", lambda run, **_: None)


@pytest.fixture
def unlisted(private_source, grader_tree) -> Exercise:  # type: ignore[no-untyped-def]
    grader_tree.sync()
    return Exercise.objects.select_related("current_version").get(slug=PRICE_STATS)


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_it_is_synced_unlisted_with_no_phase(unlisted: Exercise) -> None:
    assert (unlisted.listed, unlisted.phase, unlisted.active) == (False, "", True)
    assert Exercise.objects.get(slug=WORD_FREQ).listed


def test_it_is_on_no_roadmap_page_and_takes_no_practice(unlisted: Exercise) -> None:
    student = UserFactory()
    client = signed_in(student)
    roadmap = client.get("/").content.decode()
    assert "Word frequencies" in roadmap and unlisted.title not in roadmap
    assert client.get(f"/exercises/{PRICE_STATS}/").status_code == 404
    assert client.get(f"/exercises/{PRICE_STATS}/starter/").status_code == 404
    assert client.get(f"/exercises/{PRICE_STATS}/files/prices.csv").status_code == 404
    upload = SimpleUploadedFile("solution.py", REFERENCE)
    assert client.post(f"/exercises/{PRICE_STATS}/submit/", {"files": [upload]}).status_code == 404
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(student)[1]}")
    slugs = [row["slug"] for row in api.get("/api/v1/exercises/").json()["results"]]
    assert WORD_FREQ in slugs and PRICE_STATS not in slugs
    answer = api.post("/api/v1/submissions/", {"exercise": PRICE_STATS, "files": [SimpleUploadedFile("solution.py", REFERENCE)]},
                      format="multipart")
    assert answer.status_code == 400, answer.content
    assert "open only through a course's assignment" in str(answer.json()["error"]), answer.json()
    assert not Submission.objects.exists()


def test_its_scores_stay_off_the_roadmap_leaderboard(unlisted: Exercise) -> None:
    listed = Exercise.objects.get(slug=WORD_FREQ)
    roadmap_learner, course_learner = UserFactory(), UserFactory()
    ExerciseBestFactory(student=roadmap_learner, exercise=listed)
    ExerciseBestFactory(student=course_learner, exercise=unlisted)  # full marks, through an assignment
    ranks = roadmap_leaderboard(viewer=roadmap_learner)
    assert [(rank.total, rank.is_me) for rank in ranks] == [(listed.current_version.max_score, True)]


def test_its_students_reach_it_through_their_assignment(unlisted: Exercise) -> None:
    assignment = AssignmentFactory(exercise=unlisted)
    student, outsider = UserFactory(), UserFactory()
    EnrolmentFactory(cohort=assignment.cohort, user=student)
    client = signed_in(student)
    page = client.get(f"/assignments/{assignment.pk}/").content.decode()
    assert unlisted.title in page and f'href="/assignments/{assignment.pk}/files/prices.csv"' in page
    # The assignment's own starter (its pinned version's); the exercise's is reachable too.
    assert f'href="/assignments/{assignment.pk}/starter/"' in page
    csv = client.get(f"/assignments/{assignment.pk}/files/prices.csv")
    assert csv.status_code == 200 and b"teapot,31.25 EUR" in b"".join(csv.streaming_content)
    for url in (f"/assignments/{assignment.pk}/starter/", f"/exercises/{PRICE_STATS}/starter/"):
        starter = client.get(url)
        assert starter.status_code == 200
        names = set(zipfile.ZipFile(io.BytesIO(b"".join(starter.streaming_content))).namelist())
        assert names == {"solution.py", "prices.csv", "pricing.py", "public_tests/test_public.py"}
    answer = client.post(f"/assignments/{assignment.pk}/submit/", {"files": [SimpleUploadedFile("solution.py", REFERENCE)]})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Submission.objects.get().assignment == assignment
    # Someone outside the cohort finds nothing.
    other = signed_in(outsider)
    for url in (f"/assignments/{assignment.pk}/", f"/assignments/{assignment.pk}/files/prices.csv",
                f"/assignments/{assignment.pk}/starter/", f"/exercises/{PRICE_STATS}/starter/", f"/exercises/{PRICE_STATS}/files/prices.csv"):
        assert other.get(url).status_code == 404, url
