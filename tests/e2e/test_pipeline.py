"""Upload -> rows in one transaction -> task on commit -> real worker -> sandbox -> committed score.

Real PostgreSQL, a real Redis broker, a real Celery worker process and the real Docker engine.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from grading.models import GradingRun

ROOT = Path(__file__).resolve().parents[2]
GRADER = ROOT / "graders" / "python-foundations" / "word-frequencies"

pytestmark = [pytest.mark.docker, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def wait_final(run_id: int, timeout: float = 90) -> GradingRun:
    deadline = time.monotonic() + timeout
    seen = set()
    while time.monotonic() < deadline:
        run = GradingRun.objects.get(pk=run_id)
        seen.add(run.status)
        if run.is_final:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s (statuses seen: {seen})")


def submit(client: APIClient, path: Path) -> dict:
    response = client.post(
        "/api/v1/submissions/",
        {"exercise": "python-foundations/word-frequencies", "files": [SimpleUploadedFile("solution.py", path.read_bytes())]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def api(synced_exercise, student_user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    # Signed in as a browser is (a session): the body limit refuses uploads from clients that are not, and
    # force_authenticate signs in at the view only, after that check.
    client.force_login(student_user)
    return client


def test_reference_and_wrong_solutions_graded_by_a_real_worker(api, celery_worker_process, settings) -> None:
    good = submit(api, GRADER / "reference" / "solution.py")
    bad = submit(api, GRADER / "wrong" / "case-sensitive" / "solution.py")
    good_run = wait_final(good["run"]["id"])
    bad_run = wait_final(bad["run"]["id"])

    assert good_run.status == "graded" and good_run.score == good_run.max_score == 10
    assert good_run.deliveries == 1 and good_run.results.count() == 7
    assert bad_run.status == "graded" and bad_run.score < 10
    failed = list(bad_run.results.exclude(outcome="passed").values_list("name", flat=True))
    assert "test_ignores_case" in failed

    detail = api.get(f"/api/v1/submissions/{good['id']}/").json()
    assert detail["score"] == 10 and detail["run"]["status"] == "graded"
    assert {t["outcome"] for t in detail["run"]["tests"]} == {"passed"}

    # The worker recorded who graded each run and where its boxes came from; /metrics counts them.
    assert good_run.worker == bad_run.worker != "" and None not in (good_run.warm_start, bad_run.warm_start)
    settings.METRICS_TOKEN = "e2e-metrics"
    scraped = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer e2e-metrics").content.decode()
    assert 'gradient_runs_finished_total{queue="cpu",status="graded"} 2.0' in scraped
    assert f'gradient_worker_last_claim_timestamp_seconds{{worker="{good_run.worker}"}}' in scraped


def test_hostile_output_commits_once_and_shows_as_escaped_text(api, tmp_path, celery_worker_process) -> None:
    # NUL, lone surrogates, invalid UTF-8 and terminal escapes in what a submission prints and raises once made
    # the commit fail, the lease lapse and the run end, after three gradings, as an uncharged infrastructure error.
    from tests.platform.grading.test_grade_command import hostile_word_frequencies

    submitted = submit(api, hostile_word_frequencies(tmp_path))
    run = wait_final(submitted["run"]["id"])
    assert run.status == "graded" and run.score == run.max_score == 10, run.messages
    assert run.deliveries == 1
    assert "nul:\u2400 ansi:red osc52: cr:one\ntwo" in run.student_output
    detail = api.get(f"/api/v1/submissions/{submitted['id']}/")
    assert detail.status_code == 200
    assert "\u2400" in detail.json()["run"]["student_output"]
    assert b"\x1b" not in detail.content and b"\\u001b" not in detail.content
    web = Client()
    web.force_login(run.submission.student)
    page = web.get(f"/submissions/{submitted['id']}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "\x1b" not in page and "\x00" not in page


def test_submission_page_shows_the_result(synced_exercise, student_user, celery_worker_process) -> None:
    web = Client()
    web.force_login(student_user)
    with (GRADER / "wrong" / "unstable-ties" / "solution.py").open("rb") as handle:
        response = web.post(f"/exercises/{synced_exercise.slug}/submit/", {"files": [handle]})
    assert response.status_code == 302
    submission_url = response["Location"]
    run = GradingRun.objects.latest("id")
    wait_final(run.pk)
    page = web.get(submission_url).content.decode()
    assert 'data-final="yes"' in page and "test_ties_are_alphabetical" in page
    fragment = web.get(submission_url + "result/").content.decode()
    assert 'data-status="graded"' in fragment


def test_a_burst_from_one_student_does_not_push_back_another_students_first(  # type: ignore[no-untyped-def]
    synced_exercise, student_user, other_student, reference_source, celery_worker_process, settings
) -> None:
    """The fair queue with the real broker and one real worker: four submissions at once from one student,
    then one from another; the other's waits for at most the run already running and one more of the burst."""
    from grading import intake

    settings.GRADING_FAIR_QUEUE = True  # admission happens here, in the test process; releases in the worker

    def submit_as(student) -> GradingRun:  # type: ignore[no-untyped-def]
        submission = intake.submission_create(
            student=student, exercise=synced_exercise, uploads={"solution.py": reference_source}
        )
        return GradingRun.objects.get(submission=submission)

    burst = [submit_as(student_user) for _ in range(4)]
    first = submit_as(other_student)
    assert [GradingRun.objects.get(pk=r.pk).held for r in burst[1:]].count(True) >= 2  # held back, not sent
    finished = [wait_final(r.pk) for r in [*burst, first]]
    assert {r.status for r in finished} == {"graded"}
    first_started = finished[-1].started_at
    ahead = [r.pk for r in finished[:-1] if r.started_at < first_started]
    assert len(ahead) <= 2, f"{len(ahead)} of the burst ran before the other student's first submission"
    started = [r.pk for r in sorted(finished[:-1], key=lambda r: r.started_at)]
    assert started == [r.pk for r in burst]  # the burst itself in the order it was submitted
