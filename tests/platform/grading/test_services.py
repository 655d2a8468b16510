"""Grading services against real PostgreSQL. The broker is replaced by a recorder here only: these are unit
tests of the code around it (tests/e2e sends real tasks to a real worker)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from grading import dispatch, intake, runs
from grading.models import GradingRun, RunStatus, Submission, SubmissionFile, TestResult
from grading.selectors import job_for_run
from sandbox import Outcome
from tests.support.outcomes import fake_outcome


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(dispatch, "send", lambda run, **_: calls.append(run.pk))
    return calls


def make_submission(student, exercise, source: bytes) -> Submission:  # type: ignore[no-untyped-def]
    return intake.submission_create(student=student, exercise=exercise, uploads={"solution.py": source})


def outcome_for(run: GradingRun, *, status: str = "graded", passed: bool = True) -> Outcome:
    """Every declared test passed (or every one failed)."""
    return fake_outcome(run, status=status, failing=() if passed else run.exercise_version.manifest.names)


def test_submission_files_and_run_are_created_together_and_sent_after_commit(
    synced_exercise, student_user, reference_source, sent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submission = make_submission(student_user, synced_exercise, reference_source)
        assert sent == []  # nothing is sent before the transaction commits
    assert len(callbacks) == 1
    run = GradingRun.objects.get(submission=submission)
    assert sent == [run.pk]
    assert run.status == RunStatus.QUEUED and run.queue == "cpu"
    assert run.tests_total == len(synced_exercise.current_version.manifest)
    assert bytes(SubmissionFile.objects.get(submission=submission, name="solution.py").content) == reference_source


@pytest.mark.parametrize(
    ("long_images", "slug", "queue"),
    [
        (["ml"], "deep-learning/tensors-autograd", "cpu-long"),  # torch: seconds per run
        (["ml"], "python-foundations/word-frequencies", "cpu"),
        ([], "deep-learning/tensors-autograd", "cpu"),  # the split turned off
    ],
)
def test_runs_of_slow_images_wait_in_the_long_queue(
    synced_exercise, student_user, sent, settings, long_images, slug, queue
) -> None:
    from catalog.models import Exercise

    settings.GRADING_LONG_QUEUE_IMAGES = long_images
    exercise = Exercise.objects.get(slug=slug)
    reference = (settings.GRADIENT_GRADERS_DIR / slug / "reference" / "solution.py").read_bytes()
    run = GradingRun.objects.get(submission=make_submission(student_user, exercise, reference))
    assert run.queue == queue
    assert dispatch.queue_for(run.exercise_version) == queue


@pytest.mark.parametrize(
    ("uploads", "message"),
    [
        ({"answer.py": b"x = 1\n"}, "Expected solution.py"),
        ({"solution.ipynb": b"{not json"}, "not a valid Jupyter notebook"),
        ({"solution.py": b"\xff\xfe\x00bad"}, "not UTF-8"),
        ({"work.zip": b"PK\x03\x04 truncated"}, "zip file could not be read"),
        ({}, "No file"),
    ],
)
def test_rejected_uploads_leave_no_rows(synced_exercise, student_user, sent, uploads, message) -> None:
    with pytest.raises(intake.SubmissionRejected, match=message):
        intake.submission_create(student=student_user, exercise=synced_exercise, uploads=uploads)
    assert Submission.objects.count() == 0 and GradingRun.objects.count() == 0 and sent == []


def test_zip_slip_is_rejected_without_rows(synced_exercise, student_user, sent) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../solution.py", b"x = 1\n")
    with pytest.raises(intake.SubmissionRejected, match="not allowed"):
        intake.submission_create(
            student=student_user, exercise=synced_exercise, uploads={"work.zip": buffer.getvalue()}
        )
    assert Submission.objects.count() == 0 and sent == []


def test_zip_bomb_is_rejected_without_rows(synced_exercise, student_user, sent) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("solution.py", b"#" * (20 * 1024 * 1024))
    with pytest.raises(intake.SubmissionRejected, match="zip"):
        intake.submission_create(
            student=student_user, exercise=synced_exercise, uploads={"work.zip": buffer.getvalue()}
        )
    assert Submission.objects.count() == 0 and sent == []


def test_a_run_is_claimed_by_one_delivery_only(synced_exercise, student_user, reference_source, sent) -> None:
    run = GradingRun.objects.get(submission=make_submission(student_user, synced_exercise, reference_source))
    assert runs.claim(run_id=run.pk, token="first") is True
    assert runs.claim(run_id=run.pk, token="second") is False  # redelivered while the lease holds
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.lease_token == "first" and run.deliveries == 1


def test_only_the_lease_holder_commits_a_result(synced_exercise, student_user, reference_source, sent) -> None:
    run = GradingRun.objects.get(submission=make_submission(student_user, synced_exercise, reference_source))
    assert runs.claim(run_id=run.pk, token="mine")
    assert runs.complete(run_id=run.pk, token="stale", outcome=outcome_for(run)) is False
    assert TestResult.objects.filter(run=run).count() == 0
    assert runs.complete(run_id=run.pk, token="mine", outcome=outcome_for(run)) is True
    assert runs.complete(run_id=run.pk, token="mine", outcome=outcome_for(run)) is False  # twice: no-op
    run.refresh_from_db()
    assert run.status == RunStatus.GRADED and run.score == run.max_score == 10
    assert TestResult.objects.filter(run=run).count() == len(run.exercise_version.manifest)
    assert Submission.objects.get(pk=run.submission_id).score == 10


def test_retryable_infrastructure_error_requeues_without_charging(
    synced_exercise, student_user, reference_source, sent
) -> None:
    run = GradingRun.objects.get(submission=make_submission(student_user, synced_exercise, reference_source))
    sent.clear()
    assert runs.claim(run_id=run.pk, token="t1")
    failure = Outcome("infrastructure_error", 0.0, 0.0, (), 0.1, ("engine hiccup",), retryable=True)
    with pytest.MonkeyPatch.context():
        assert runs.complete(run_id=run.pk, token="t1", outcome=failure)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.score is None
    assert Submission.objects.get(pk=run.submission_id).score is None


def test_sweeper_requeues_lapsed_leases_and_fails_after_too_many(
    synced_exercise, student_user, reference_source, sent, settings
) -> None:
    settings.GRADING_MAX_DELIVERIES = 2
    run = GradingRun.objects.get(submission=make_submission(student_user, synced_exercise, reference_source))
    past = timezone.now() - timedelta(seconds=5)
    for delivery in (1, 2):
        sent.clear()
        assert runs.claim(run_id=run.pk, token=f"worker-{delivery}")
        GradingRun.objects.filter(pk=run.pk).update(lease_expires_at=past)  # the worker died
        result = runs.sweep()
        run.refresh_from_db()
        if delivery == 1:
            assert result == {"requeued": 1, "failed": 0}
            assert run.status == RunStatus.QUEUED and sent == [run.pk]
        else:
            assert result == {"requeued": 0, "failed": 1}
            assert run.status == RunStatus.INFRASTRUCTURE_ERROR
            assert any("interrupted" in m for m in run.messages)


def test_a_lapsed_lease_cannot_commit_after_another_delivery_took_over(
    synced_exercise, student_user, reference_source, sent
) -> None:
    run = GradingRun.objects.get(submission=make_submission(student_user, synced_exercise, reference_source))
    assert runs.claim(run_id=run.pk, token="slow")
    GradingRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert runs.claim(run_id=run.pk, token="fresh")
    assert runs.complete(run_id=run.pk, token="slow", outcome=outcome_for(run, passed=False)) is False
    assert runs.complete(run_id=run.pk, token="fresh", outcome=outcome_for(run)) is True
    run.refresh_from_db()
    assert run.score == 10 and run.deliveries == 2


def test_only_a_runs_first_delivery_skips_looking_for_boxes_an_earlier_one_left(
    synced_exercise, student_user, reference_source, sent
) -> None:
    run = GradingRun.objects.get(submission=make_submission(student_user, synced_exercise, reference_source))
    assert runs.claim(run_id=run.pk, token="first")
    assert job_for_run(run.pk).first_delivery is True
    GradingRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert runs.claim(run_id=run.pk, token="second")  # the first worker died: its boxes may still be there
    assert job_for_run(run.pk).first_delivery is False


def test_queued_runs_know_their_place_in_the_queue(
    synced_exercise, student_user, reference_source, sent, settings
) -> None:
    from django.test import Client

    from grading.selectors import queue_position

    # The places of runs sent as they come; with the fair queue a student's second run is held, and its place
    # reads "or better" (tests/platform/grading/test_fair_queue.py).
    settings.GRADING_FAIR_QUEUE = False
    queued = [
        GradingRun.objects.get(submission=make_submission(student_user, synced_exercise, reference_source))
        for _ in range(3)
    ]
    assert [queue_position(run) for run in queued] == [1, 2, 3]
    assert runs.claim(run_id=queued[0].pk, token="w")  # the first is taken by a worker
    assert [queue_position(run) for run in queued[1:]] == [1, 2]
    web = Client()
    web.force_login(student_user)
    fragment = web.get(f"/submissions/{queued[2].submission_id}/result/").content.decode()
    assert 'position <span id="queue-position">2</span> in the queue' in fragment
    api = web.get(f"/api/v1/submissions/{queued[2].submission_id}/").json()
    assert api["run"]["queue_position"] == 2 and api["run"]["status"] == "queued"


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, str]]:
    """The real dispatch (it records each send on the run), with the broker itself replaced by a recorder."""
    messages: list[tuple[str, int, str]] = []

    class Recorder:
        def send_task(self, name: str, args: list[int], queue: str, countdown: float | None = None) -> None:
            messages.append((name, args[0], queue))

    monkeypatch.setattr(dispatch, "current_app", Recorder())
    return messages


def test_the_sweeper_resends_a_queued_run_by_its_last_send_not_its_age(
    synced_exercise, student_user, reference_source, broker, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = GradingRun.objects.get(submission=make_submission(student_user, synced_exercise, reference_source))
    assert broker == [("grading.run", run.pk, "cpu")]
    run.refresh_from_db()
    assert run.sent_at is not None
    now = timezone.now()
    # A backlog: queued half an hour ago and still waiting its turn, sent a minute ago (by the last sweep or
    # a retry). Under the old rule (by creation time) it was sent again every minute.
    GradingRun.objects.filter(pk=run.pk).update(created_at=now - timedelta(minutes=30), sent_at=now - timedelta(minutes=1))
    broker.clear()
    assert runs.sweep() == {"requeued": 0, "failed": 0} and broker == []
    # Sent eleven minutes ago and never claimed: the message may be lost. Sent again, and that send recorded,
    # so the next sweep leaves it alone.
    GradingRun.objects.filter(pk=run.pk).update(sent_at=now - timedelta(minutes=11))
    assert runs.sweep() == {"requeued": 1, "failed": 0} and broker == [("grading.run", run.pk, "cpu")]
    assert runs.sweep() == {"requeued": 0, "failed": 0} and len(broker) == 1
    # A run queued before sends were recorded (no sent_at) falls back to its age.
    GradingRun.objects.filter(pk=run.pk).update(sent_at=None)
    assert runs.sweep()["requeued"] == 1
