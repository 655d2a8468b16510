"""Faults while submissions grade that need no service restarted: a worker stopped gracefully (SIGTERM),
a student box killed from outside, the sandbox image removed, and a worker stuck past its lease.

They run on the shared PostgreSQL (the test database), the shared Redis (the "faults-cpu" queue of
CELERY_BROKER_URL) and the shared Docker engine, whose state they only touch for their own runs: the
containers of their own runs, and image tags under a private prefix (``gradient-faults``), never the tags other
tests use. Each ends with the same check: every submission has exactly one final result (one run, one set of
test results, the right score), nothing was charged for the fault, no box of the run is left, and every
worker process has exited.
"""

from __future__ import annotations

import os
import signal
import time

import docker
import docker.errors
import pytest
from django.utils import timezone

from grading import intake, runs
from grading.models import GradingRun, Submission, TestResult
from grading.selectors import run_name_for
from sandbox.boxes import run_containers
from sandbox.docker_backend import work_root
from tests.support.processes import group_alive, wait_for
from tests.support.solutions import DECLARED_TESTS, FULL_MARKS, REFERENCE, SLOW_REFERENCE
from tests.support.workers import WorkerGroup

pytestmark = [pytest.mark.docker, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def leftover_containers(run: GradingRun) -> list[str]:
    return [c.name for c in run_containers(docker.from_env(), run_name_for(run.pk))]


def assert_graded_once(run: GradingRun, *, deliveries: int) -> None:
    run.refresh_from_db()
    assert run.status == "graded", (run.status, run.messages)
    assert run.score == run.max_score == FULL_MARKS, (run.score, run.messages)
    assert run.deliveries == deliveries
    assert run.lease_token == "" and run.lease_expires_at is None
    names = list(TestResult.objects.filter(run=run).values_list("name", flat=True))
    assert len(names) == len(set(names)) == DECLARED_TESTS, names
    assert all(r.outcome == "passed" for r in TestResult.objects.filter(run=run))
    assert GradingRun.objects.filter(submission=run.submission_id).count() == 1
    assert Submission.objects.get(pk=run.submission_id).score == FULL_MARKS
    assert_boxes_removed(run)


def assert_boxes_removed(run: GradingRun) -> None:
    """The result is committed before the boxes are removed (so the student sees it sooner): the worker gets a
    moment to finish removing them."""
    wait_for(lambda: leftover_containers(run) == [], 30, "the run's boxes to be removed")
    wait_for(lambda: not (work_root() / run_name_for(run.pk)).exists(), 30, "the run's folder to be removed")


def submit(student, exercise, source: str) -> GradingRun:  # type: ignore[no-untyped-def]
    submission = intake.submission_create(student=student, exercise=exercise, uploads={"solution.py": source.encode()})
    return GradingRun.objects.get(submission=submission)


def status(run: GradingRun) -> str:
    return GradingRun.objects.values_list("status", flat=True).get(pk=run.pk)


def is_final(run: GradingRun) -> bool:
    return GradingRun.objects.get(pk=run.pk).is_final


def wait_for_retry(run: GradingRun, reason: str) -> None:
    """The run back in the queue for a retry (GRADING_RETRY_DELAY_S later) after an infrastructure error that
    says ``reason``, with nothing charged: no score on the run or the submission, no test results."""

    def waiting() -> bool:
        row = GradingRun.objects.get(pk=run.pk)
        return row.status == "queued" and row.deliveries == 1 and any(reason in m for m in row.messages)

    wait_for(waiting, 60, f"a retry after {reason!r}", interval=0.05)
    row = GradingRun.objects.get(pk=run.pk)
    assert row.score is None and Submission.objects.get(pk=run.submission_id).score is None
    assert not TestResult.objects.filter(run=run).exists()


# --------------------------------------------------------------------------- 1. SIGTERM: warm shutdown


def test_sigterm_warm_shutdown_finishes_the_running_grade_and_hands_back_the_next(
    fault_env, worker_group: WorkerGroup, synced_exercise, student_user
):
    """SIGTERM to the worker (what `docker stop` and systemd send its main process): the run in progress
    finishes and commits; the submission queued behind it stays in the queue for the next worker."""
    started = time.monotonic()
    worker = worker_group.start("fault-sigterm", fault_env)
    running = submit(student_user, synced_exercise, SLOW_REFERENCE)
    waiting = submit(student_user, synced_exercise, REFERENCE)
    wait_for(lambda: status(running) == "running", 60, "the first run to start")
    time.sleep(0.6)  # inside the slow call
    worker.terminate()
    worker.wait(timeout=60)  # bounded: a warm shutdown waits for the run in progress, nothing more
    assert worker.returncode == 0
    log = worker_group.log("fault-sigterm")
    assert "warm shutdown" in log.lower()
    assert_graded_once(running, deliveries=1)
    assert status(waiting) == "queued" and GradingRun.objects.get(pk=waiting.pk).deliveries == 0

    successor = worker_group.start("fault-sigterm-next", fault_env)
    wait_for(lambda: is_final(waiting), 90, "the handed-back run to be graded")
    worker_group.stop(successor)
    assert_graded_once(waiting, deliveries=1)
    worker_group.assert_all_stopped()
    print(f"fault 1 (SIGTERM to the worker) took {time.monotonic() - started:.1f} s")


def test_sigterm_to_every_worker_process_hands_the_run_back(
    fault_env, worker_group: WorkerGroup, synced_exercise, student_user
):
    """SIGTERM to the whole process group (systemd's default KillMode, `kill -TERM -PGID`): the pool process
    dies mid-run and its boxes stay behind. The message goes back to the broker (reject_on_worker_lost), but the
    run's lease still holds, so that redelivery skips it; once the lease lapses the sweeper re-queues the run,
    and the next worker removes the old boxes by name and grades it once."""
    started = time.monotonic()
    worker = worker_group.start("fault-sigterm-all", fault_env)
    run = submit(student_user, synced_exercise, SLOW_REFERENCE)
    wait_for(lambda: status(run) == "running", 60, "the run to start")
    time.sleep(0.6)
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=60)
    wait_for(lambda: not group_alive(worker.pid), 15, "the pool process to exit")

    successor = worker_group.start("fault-sigterm-all-next", fault_env)
    wait_for(lambda: is_final(run) or _lapsed(run), 60, "the run to end or its lease to lapse")
    if not is_final(run) and _lapsed(run):
        # What beat does every minute. The redelivered message can also reach the successor only after the lease
        # lapsed, and the successor then claims the run itself (the sweep finds nothing to do): either way the run
        # is graded once, by its second delivery.
        runs.sweep()
    wait_for(lambda: is_final(run), 90, "the handed-back run to be graded")
    worker_group.stop(successor)
    assert_graded_once(run, deliveries=2)
    worker_group.assert_all_stopped()
    print(f"fault 1b (SIGTERM to every worker process) took {time.monotonic() - started:.1f} s")


def _lapsed(run: GradingRun) -> bool:
    row = GradingRun.objects.get(pk=run.pk)
    return row.status == "running" and row.lease_expires_at is not None and row.lease_expires_at < timezone.now()


# --------------------------------------------------------------------------- 5. a box killed from outside


def test_student_box_killed_from_outside_is_retried_not_charged(
    fault_env, worker_group: WorkerGroup, synced_exercise, student_user
):
    """`docker kill` of the student box mid-run (an operator, a clean-up script, `docker rm -f`): that is
    not the student's doing, so it must not cost a test; the run is retried and graded once."""
    started = time.monotonic()
    worker = worker_group.start("fault-box-kill", fault_env)
    run = submit(student_user, synced_exercise, SLOW_REFERENCE)
    wait_for(lambda: status(run) == "running", 60, "the run to start")
    student_box = f"gradient-{run_name_for(run.pk)}-student"
    box = wait_for(lambda: _container(student_box), 30, "the student box")
    wait_for(lambda: _running(box), 30, "the box to run")
    time.sleep(0.8)  # inside the slow first call
    box.kill()
    wait_for_retry(run, "stopped from outside")
    wait_for(lambda: is_final(run), 120, "the run to end")
    worker_group.stop(worker)
    assert_graded_once(run, deliveries=2)  # the interrupted delivery (not charged), then the retry
    assert "'infrastructure_error'" in worker_group.log("fault-box-kill")
    worker_group.assert_all_stopped()
    print(f"fault 5 (student box killed) took {time.monotonic() - started:.1f} s")


def _container(name: str):  # type: ignore[no-untyped-def]
    try:
        return docker.from_env().containers.get(name)
    except docker.errors.NotFound:
        return None


def _running(container) -> bool:  # type: ignore[no-untyped-def]
    container.reload()
    return container.status == "running"


# --------------------------------------------------------------------------- 7. a stuck worker loses its lease


def test_a_stuck_worker_past_its_lease_cannot_commit_its_late_result(
    fault_env, worker_group: WorkerGroup, synced_exercise, student_user
):
    """A worker that is alive but stuck (SIGSTOP: no heartbeat, no progress) past its lease: the sweeper
    re-queues the run, another worker grades it, and when the stuck one wakes its late result is dropped."""
    started = time.monotonic()
    stuck = worker_group.start("fault-stuck", fault_env)
    run = submit(student_user, synced_exercise, SLOW_REFERENCE)
    wait_for(lambda: status(run) == "running", 60, "the run to start")
    time.sleep(0.6)
    os.killpg(stuck.pid, signal.SIGSTOP)
    try:
        wait_for(lambda: _lapsed(run), 30, "the stuck worker's lease to lapse")
        rescuer = worker_group.start("fault-stuck-rescuer", fault_env)
        assert runs.sweep()["requeued"] >= 1
        wait_for(lambda: is_final(run), 90, "the rescuer to grade the run")
        assert_graded_once(run, deliveries=2)
        committed = GradingRun.objects.get(pk=run.pk)
        results = list(TestResult.objects.filter(run=run).values_list("pk", "name", "outcome", "points"))
    finally:
        os.killpg(stuck.pid, signal.SIGCONT)
    # The stuck worker wakes, finds its boxes gone, finishes its delivery and tries to commit: dropped.
    wait_for(lambda: "result dropped, the lease is no longer ours" in worker_group.log("fault-stuck"), 90,
             "the stuck worker's late result to be dropped")
    worker_group.stop(stuck)
    worker_group.stop(rescuer)
    after = GradingRun.objects.get(pk=run.pk)
    assert (after.status, after.score, after.finished_at, after.deliveries) == (
        committed.status, committed.score, committed.finished_at, committed.deliveries,
    )
    assert list(TestResult.objects.filter(run=run).values_list("pk", "name", "outcome", "points")) == results
    assert_graded_once(run, deliveries=2)
    worker_group.assert_all_stopped()
    print(f"fault 7 (stuck worker) took {time.monotonic() - started:.1f} s")


# --------------------------------------------------------------------------- 6. the sandbox image removed

PRIVATE_PREFIX = "gradient-faults"


@pytest.fixture
def private_image_tags(monkeypatch):  # type: ignore[no-untyped-def]
    """The sandbox image under a prefix of its own (tags of the shared images, which stay untouched), so
    removing it cannot break another test. Yields (runner tag, base tag); removes the private tags after."""
    from sandbox import images

    client = docker.from_env()
    shared_runner, shared_base = images.image_tag("python"), images.base_tag(images.SPECS["python"])
    monkeypatch.setenv("SANDBOX_IMAGE_PREFIX", PRIVATE_PREFIX)
    runner, base = images.image_tag("python"), images.base_tag(images.SPECS["python"])
    monkeypatch.delenv("SANDBOX_IMAGE_PREFIX")
    try:
        client.images.get(shared_runner).tag(*runner.rsplit(":", 1))
        client.images.get(shared_base).tag(*base.rsplit(":", 1))
    except docker.errors.ImageNotFound:
        pytest.skip("the sandbox images are not built (python -m sandbox.images build python)")
    yield runner, base
    for tag in (runner, base):
        try:
            client.images.remove(tag, noprune=True)  # only the private tag: the image stays for its other tags
        except docker.errors.ImageNotFound:
            pass


def _untag(tag: str) -> None:
    docker.from_env().images.remove(tag, noprune=True)


def _image_present(tag: str) -> bool:
    try:
        docker.from_env().images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def assert_ended_naming_the_build_command(run: GradingRun) -> None:
    """An infrastructure error that no redelivery can fix: ended on its first delivery, not retried, nothing
    charged, and the message tells the operator how to build the image."""
    run.refresh_from_db()
    assert run.status == "infrastructure_error" and run.deliveries == 1, (run.status, run.deliveries, run.messages)
    assert any("python -m sandbox.images build python" in m for m in run.messages), run.messages
    assert run.score is None and Submission.objects.get(pk=run.submission_id).score is None
    assert not TestResult.objects.filter(run=run).exists()
    assert_boxes_removed(run)


def test_sandbox_image_removed_ends_the_run_naming_the_build_command_and_nothing_is_rebuilt(
    fault_env, worker_group: WorkerGroup, synced_exercise, student_user, private_image_tags
):
    """The sandbox image removed from the engine. Workers never build images (sandbox/README.md, "Images"), and
    another delivery could not bring it back, so: (a) before a worker ever used it, the run ends at once as an
    uncharged infrastructure error, not retried, whose message names `python -m sandbox.images build python`;
    nothing is rebuilt; (b) removed under a worker that already used it (it disappears mid-run), the same.
    Once an operator brings the image back, the same worker grades again."""
    started = time.monotonic()
    runner_tag, _ = private_image_tags
    client = docker.from_env()
    image_id = client.images.get(runner_tag).id
    # No warm pool: a pair it started before the removal would grade the next run without needing the image
    # (tests/sandbox/test_warm_pool.py covers a pool that cannot start a pair: the run starts its own).
    env = {**fault_env, "SANDBOX_IMAGE_PREFIX": PRIVATE_PREFIX, "SANDBOX_WARM_POOL": "0"}
    _untag(runner_tag)
    worker = worker_group.start("fault-image", env)
    first = submit(student_user, synced_exercise, REFERENCE)
    wait_for(lambda: is_final(first), 60, "the first run to end")
    assert_ended_naming_the_build_command(first)
    assert not _image_present(runner_tag)  # the worker built nothing

    client.images.get(image_id).tag(*runner_tag.rsplit(":", 1))  # the operator builds it again
    second = submit(student_user, synced_exercise, REFERENCE)
    wait_for(lambda: is_final(second), 120, "the second run to be graded")
    assert_graded_once(second, deliveries=1)

    _untag(runner_tag)  # under the worker, which saw the image a moment ago
    third = submit(student_user, synced_exercise, REFERENCE)
    wait_for(lambda: is_final(third), 60, "the third run to end")
    worker_group.stop(worker)
    assert_ended_naming_the_build_command(third)
    assert not _image_present(runner_tag)
    worker_group.assert_all_stopped()
    print(f"fault 6 (sandbox image removed) took {time.monotonic() - started:.1f} s")


def test_image_missing_on_the_last_delivery_ends_as_an_uncharged_infrastructure_error(
    fault_env, worker_group: WorkerGroup, synced_exercise, student_user
):
    """The prebuilt image a worker is told to use (SANDBOX_IMAGE_PYTHON, as in production) is not on the engine,
    and no delivery is left: the run ends as infrastructure_error with the reason, and with no score and no
    test results anywhere (the run, the submission, the student's best)."""
    from grading.models import ExerciseBest

    started = time.monotonic()
    env = {**fault_env, "SANDBOX_IMAGE_PYTHON": "gradient-faults-missing:none", "GRADING_MAX_DELIVERIES": "1"}
    worker = worker_group.start("fault-image-missing", env)
    run = submit(student_user, synced_exercise, REFERENCE)
    wait_for(lambda: is_final(run), 60, "the run to end")
    worker_group.stop(worker)
    run.refresh_from_db()
    assert run.status == "infrastructure_error" and run.deliveries == 1
    assert any("gradient-faults-missing:none" in m and "not on this engine" in m for m in run.messages), run.messages
    assert run.score is None and run.max_score is None
    assert not TestResult.objects.filter(run=run).exists()
    assert Submission.objects.get(pk=run.submission_id).score is None
    assert not ExerciseBest.objects.filter(student=student_user).exists()
    assert_boxes_removed(run)
    worker_group.assert_all_stopped()
    print(f"fault 6c (image missing, no delivery left) took {time.monotonic() - started:.1f} s")
