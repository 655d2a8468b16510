"""Faults that restart a service while submissions grade: the broker, PostgreSQL, the Docker engine.

Other test sessions share the machine's PostgreSQL, Redis and Docker engine, so these tests NEVER restart
those: they run a worker on private instances made by the fixtures in conftest.py (a PostgreSQL cluster from
``initdb``, a ``redis-server`` and a ``dockerd``, each in a temporary folder on a free port or socket) and
restart those. Submissions are made and swept by short Django subprocesses on the private services, and the
results are read with SQL (see ``PrivateStack`` in tests/support/stack.py).

Each test ends with the same check: every submission has exactly one final result (one run, one set of test
results, full marks for the reference solution), none was lost or duplicated, nothing was charged for the
fault, no box of a run is left on the engine, and every worker process has exited.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from tests.support.processes import wait_for
from tests.support.solutions import REFERENCE, SLOW_REFERENCE
from tests.support.stack import PrivateStack
from tests.support.workers import WorkerGroup

pytestmark = [pytest.mark.docker, pytest.mark.e2e]


def wait_running(stack: PrivateStack, run_id: int) -> None:
    wait_for(lambda: stack.status_of(run_id) == "running", 60, f"run {run_id} to start")
    time.sleep(0.6)  # inside the slow first call


def settle(stack: PrivateStack, run_ids: list[int], timeout: float) -> None:
    """Wait for every run to end, doing what beat does every minute (the sweep) once a lease has lapsed."""
    deadline = time.monotonic() + timeout
    while not stack.all_final(run_ids):
        if time.monotonic() > deadline:
            rows = [stack.run_row(r) for r in run_ids]
            raise AssertionError(f"runs not final after {timeout:g} s: {rows}")
        lapsed = stack.sql(
            "SELECT count(*) FROM grading_gradingrun WHERE status = 'running' AND lease_expires_at < now()"
        )[0][0]
        if lapsed:
            stack.sweep()
        time.sleep(0.5)


def test_broker_restarted_mid_run(private_stack: PrivateStack, worker_group: WorkerGroup):
    """Redis goes down while one run grades and two wait in the queue, and comes back (append-only file, as in
    deploy/compose.yaml): the running one commits, the queued ones are delivered after the reconnect."""
    started = time.monotonic()
    stack = private_stack
    worker = worker_group.start("fault-broker", stack.env)
    runs = stack.submit(SLOW_REFERENCE, REFERENCE, REFERENCE)
    wait_running(stack, runs[0])
    stack.broker.stop()
    time.sleep(2)
    stack.broker.start()
    settle(stack, runs, 150)
    worker_group.stop(worker)
    for run_id in runs:
        stack.assert_graded_once(run_id, deliveries=1)
    worker_group.assert_all_stopped()
    print(f"fault 2 (broker restart) took {time.monotonic() - started:.1f} s")


def test_broker_restarted_without_its_data_mid_run(private_stack: PrivateStack, worker_group: WorkerGroup):
    """Redis comes back empty (no persistence, or its disk lost): the two queued tasks are gone, but not the
    runs. PostgreSQL is the source of truth: the running one commits, and the sweeper re-sends the runs that
    stayed queued too long (here as if its 10 minutes had passed); each is graded once."""
    started = time.monotonic()
    stack = private_stack
    worker = worker_group.start("fault-broker-lost", stack.env)
    runs = stack.submit(SLOW_REFERENCE, REFERENCE, REFERENCE)
    wait_running(stack, runs[0])
    stack.broker.stop(lose_data=True)
    time.sleep(2)
    stack.broker.start()
    wait_for(lambda: stack.all_final(runs[:1]), 60, "the running run to commit")
    wait_for(lambda: "Connected to" in worker_group.log("fault-broker-lost").split("Connection to broker lost")[-1],
             30, "the worker to reconnect")
    time.sleep(2)
    assert [stack.status_of(r) for r in runs[1:]] == ["queued", "queued"]  # their messages died with the broker
    # The second is sent again; with the fair queue (the default) the third stays held behind it, and goes
    # when the second starts.
    assert stack.sweep(stale_after_s=0)["requeued"] == (1 if settings.GRADING_FAIR_QUEUE else 2)
    settle(stack, runs, 120)
    worker_group.stop(worker)
    for run_id in runs:
        stack.assert_graded_once(run_id, deliveries=1)
    worker_group.assert_all_stopped()
    print(f"fault 2b (broker restart, data lost) took {time.monotonic() - started:.1f} s")


def test_postgres_restarted_mid_run(private_stack: PrivateStack, worker_group: WorkerGroup):
    """PostgreSQL restarts (fast shutdown: every connection is cut) while one run grades and one waits: the
    delivery in progress cannot commit, its lease lapses, the sweeper re-queues it, and both end graded once."""
    started = time.monotonic()
    stack = private_stack
    worker = worker_group.start("fault-postgres", stack.env)
    runs = stack.submit(SLOW_REFERENCE, REFERENCE)
    wait_running(stack, runs[0])
    stack.postgres.stop("fast")
    time.sleep(2)
    stack.postgres.start()
    settle(stack, runs, 150)
    worker_group.stop(worker)
    stack.assert_graded_once(runs[0], deliveries=(1, 2))  # 2 when the restart cut the delivery in progress
    stack.assert_graded_once(runs[1], deliveries=1)
    worker_group.assert_all_stopped()
    print(f"fault 3 (PostgreSQL restart) took {time.monotonic() - started:.1f} s")


def test_docker_engine_restarted_mid_run(private_stack: PrivateStack, worker_group: WorkerGroup):
    """The Docker engine stops (its containers with it) while one run grades and one waits, and starts again:
    nothing is charged for the engine's absence, and both end graded once."""
    stack = private_stack
    if not stack.engine.private:
        pytest.skip(stack.engine.reason)
    started = time.monotonic()
    # Retries 5 s, then 10 s after a failure: longer than this engine's restart.
    worker = worker_group.start("fault-engine", {**stack.env, "GRADING_RETRY_DELAY_S": "5"})
    runs = stack.submit(SLOW_REFERENCE, REFERENCE)
    wait_running(stack, runs[0])
    stack.engine.stop()
    time.sleep(3)
    stack.engine.start()
    settle(stack, runs, 150)
    worker_group.stop(worker)
    for row in [stack.run_row(r) for r in runs]:
        if row["status"] == "infrastructure_error":  # whatever happens, never charged
            assert row["score"] is None, row
    stack.assert_graded_once(runs[0], deliveries=(2, 3))  # the interrupted delivery, then its retry
    stack.assert_graded_once(runs[1], deliveries=(1, 2, 3))
    worker_group.assert_all_stopped()
    print(f"fault 4 (Docker engine restart) took {time.monotonic() - started:.1f} s")
