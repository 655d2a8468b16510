"""Faults while submissions grade: real worker processes, real Redis, real PostgreSQL, real Docker.

Each test checks that every submission ends with exactly one final result, none lost or duplicated.
The workers here listen on their own queue ("faults-cpu"), so no other worker of the test session can
take their runs.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import docker
import pytest
from django.utils import timezone

from grading import dispatch, intake, runs
from grading.models import GradingRun, TestResult
from grading.selectors import run_name_for
from sandbox.boxes import run_containers
from tests.support.processes import wait_for
from tests.support.solutions import REFERENCE, SLOW_REFERENCE
from tests.support.workers import worker_log

pytestmark = [pytest.mark.docker, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fault_queue(settings, workers):  # type: ignore[no-untyped-def]
    settings.GRADING_QUEUE_PREFIX = "faults-"
    workers.purge("faults-cpu")
    return {"GRADING_QUEUE_PREFIX": "faults-", "GRADING_LEASE_S": "3"}


def leftover_containers(run: GradingRun) -> list[str]:
    client = docker.from_env()
    return [c.name for c in run_containers(client, run_name_for(run.pk))]


def assert_exactly_one_result(run: GradingRun) -> None:
    run.refresh_from_db()
    assert run.status == "graded", (run.status, run.messages)
    assert run.score == run.max_score == 10
    names = list(TestResult.objects.filter(run=run).values_list("name", flat=True))
    assert len(names) == len(set(names)) == 7
    assert GradingRun.objects.filter(submission=run.submission).count() == 1


def test_worker_killed_mid_run_is_swept_and_graded_once(fault_queue, workers, synced_exercise, student_user):
    worker_a = workers.start("fault-a", queues="faults-cpu", env=fault_queue)
    try:
        submission = intake.submission_create(
            student=student_user, exercise=synced_exercise, uploads={"solution.py": SLOW_REFERENCE.encode()}
        )
        run = GradingRun.objects.get(submission=submission)
        wait_for(lambda: GradingRun.objects.get(pk=run.pk).status == "running", 60, "the run to start")
        time.sleep(0.6)  # inside the slow call
        os.killpg(worker_a.pid, signal.SIGKILL)  # the whole worker: parent and its pool process
        worker_a.wait()
    finally:
        if worker_a.poll() is None:
            os.killpg(worker_a.pid, signal.SIGKILL)
    run.refresh_from_db()
    assert run.status == "running" and run.deliveries == 1  # stranded with its lease
    assert leftover_containers(run)  # the dead worker's boxes are still there

    worker_b = workers.start("fault-b", queues="faults-cpu", env=fault_queue)
    try:
        # What beat does every minute: once the lease lapses the run goes back to the queue.
        wait_for(lambda: GradingRun.objects.get(pk=run.pk).lease_expires_at < timezone.now(), 30, "the lease")
        assert runs.sweep()["requeued"] >= 1
        wait_for(lambda: GradingRun.objects.get(pk=run.pk).is_final, 90, "the retry to finish")
    finally:
        workers.stop(worker_b)
    assert_exactly_one_result(run)
    run.refresh_from_db()
    assert run.deliveries == 2
    # The retry removed the dead worker's boxes by name (and its own, just after committing).
    wait_for(lambda: leftover_containers(run) == [], 30, "the run's boxes to be removed")


def test_a_task_delivered_twice_grades_once(fault_queue, workers, synced_exercise, student_user):
    worker = workers.start("fault-twice", queues="faults-cpu", concurrency=2, env=fault_queue)
    try:
        submission = intake.submission_create(
            student=student_user, exercise=synced_exercise, uploads={"solution.py": REFERENCE.encode()}
        )
        run = GradingRun.objects.get(submission=submission)
        dispatch.send(run)  # the broker redelivers: the same task a second time
        wait_for(lambda: GradingRun.objects.get(pk=run.pk).is_final, 90, "grading")
        time.sleep(1.0)  # give the second delivery time to do (nothing) harm
    finally:
        workers.stop(worker)
    assert_exactly_one_result(run)
    run.refresh_from_db()
    assert run.deliveries == 1
    log = worker_log("fault-twice")
    assert "skipped: already taken or finished" in log


def test_runs_delivered_too_often_end_as_infrastructure_error(fault_queue, synced_exercise, student_user, settings):
    settings.GRADING_MAX_DELIVERIES = 2
    submission = intake.submission_create(
        student=student_user, exercise=synced_exercise, uploads={"solution.py": REFERENCE.encode()}
    )
    run = GradingRun.objects.get(submission=submission)
    past = timezone.now() - timedelta(seconds=1)
    GradingRun.objects.filter(pk=run.pk).update(status="running", deliveries=2, lease_expires_at=past, lease_token="x")
    assert runs.sweep() == {"requeued": 0, "failed": 1}
    run.refresh_from_db()
    assert run.status == "infrastructure_error" and any("interrupted" in m for m in run.messages)
    assert submission.score is None  # never a zero
