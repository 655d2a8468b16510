"""Several worker hosts: two Docker engines on this machine, each with its own data root, exec root and socket,
each with its own worker (its own WORKER_NAME and runs folder), one PostgreSQL and one broker, standing in for
separate hosts.

What must hold: each host unpacks the grader snapshots itself (from PostgreSQL, into its own runs folder);
runs spread over both; and when one host's engine stops in the middle of a burst, every run still ends graded
once, nothing charged: the runs it was grading are retried, and its worker hands back what it is given and
stops taking runs until its engine answers again, so the other host grades them. The burst's figures with one
host and with two go to test-artifacts/multi_host.json (on 2 cores a second host adds no CPU: see the note
in docs/scaling.md).
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest
from django.db import transaction

from catalog.models import Exercise
from grading import intake
from grading.models import GradingRun, Submission, TestResult
from grading.selectors import run_name_for
from sandbox import images
from sandbox.boxes import run_containers
from tests.support.docker_engine import EngineUnavailable, PrivateDocker
from tests.support.factories import UserFactory
from tests.support.paths import ARTIFACTS
from tests.support.processes import wait_for
from tests.support.solutions import DECLARED_TESTS, FULL_MARKS, REFERENCE
from tests.support.workers import WorkerGroup

pytestmark = [pytest.mark.docker, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE_PREFIX = "hosts-"
HOSTS = ("host-a", "host-b")


class Host:
    """One stand-in worker host: a private engine holding the sandbox image, and the environment its worker
    gets (the engine's socket, its own name and runs folder)."""

    def __init__(self, name: str, tag: str) -> None:
        self.name = name
        self.engine = PrivateDocker(tag, name=name)
        self.work_dir = Path(f"/tmp/gradient-{name}-runs")
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self.env = {
            "DOCKER_HOST": self.engine.host,
            "WORKER_NAME": name,
            "SANDBOX_WORK_DIR": str(self.work_dir),
            "GRADING_QUEUE_PREFIX": QUEUE_PREFIX,
            "GRADING_LEASE_S": "10",
            "GRADING_RETRY_DELAY_S": "1",
        }

    def unpacked_graders(self) -> list[str]:
        folder = self.work_dir / "graders"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def close(self) -> None:
        self.engine.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def hosts() -> Iterator[dict[str, Host]]:
    tag = images.image_tag("python")
    try:
        docker.from_env().images.get(tag)
    except docker.errors.ImageNotFound:
        pytest.skip(f"the sandbox image {tag} is not built (python -m sandbox.images build)")
    made: dict[str, Host] = {}
    try:
        for name in HOSTS:
            made[name] = Host(name, tag)
    except EngineUnavailable as exc:
        for host in made.values():
            host.close()
        pytest.skip(f"a private dockerd cannot run here: {exc}")
    try:
        yield made
    finally:
        for host in made.values():
            host.close()


@pytest.fixture
def hosts_queue(settings, workers):  # type: ignore[no-untyped-def]
    settings.GRADING_QUEUE_PREFIX = QUEUE_PREFIX
    workers.purge(QUEUE_PREFIX + "cpu")


@pytest.fixture
def worker_group(workers) -> Iterator[WorkerGroup]:  # type: ignore[no-untyped-def]
    group = WorkerGroup(workers)
    try:
        yield group
    finally:
        group.reap()


def burst(exercise: Exercise, count: int) -> list[int]:
    """``count`` submissions of the reference from ``count`` students (per-user rate limits stay out of it),
    committed and sent at once: a run takes a third of a second, so sent one by one as they are made, the
    workers would finish each before the next exists, and no test could catch a host mid-burst."""
    ids = []
    with transaction.atomic():
        for _ in range(count):
            submission = intake.submission_create(
                student=UserFactory(), exercise=exercise, uploads={"solution.py": REFERENCE.encode()}
            )
            ids.append(GradingRun.objects.get(submission=submission).pk)
    return ids


def settle(run_ids: list[int], timeout: float) -> float:
    started = time.monotonic()
    wait_for(lambda: GradingRun.objects.filter(pk__in=run_ids, status__in=["queued", "running"]).count() == 0,
             timeout, f"{len(run_ids)} runs to end", interval=0.2)
    return time.monotonic() - started


def assert_each_graded_once(run_ids: list[int]) -> list[GradingRun]:
    runs = list(GradingRun.objects.filter(pk__in=run_ids).order_by("pk"))
    assert len(runs) == len(run_ids)
    for run in runs:
        assert run.status == "graded", (run.pk, run.status, run.deliveries, run.messages)
        assert run.score == run.max_score == FULL_MARKS, (run.pk, run.score, run.messages)
        assert run.lease_token == "" and run.lease_expires_at is None
        names = list(TestResult.objects.filter(run=run).values_list("name", flat=True))
        assert len(names) == len(set(names)) == DECLARED_TESTS, (run.pk, names)
        assert GradingRun.objects.filter(submission=run.submission_id).count() == 1
        assert Submission.objects.get(pk=run.submission_id).score == FULL_MARKS
    return runs


def record(figures: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "multi_host.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known.update(figures)
    path.write_text(json.dumps(known, indent=2))
    print(json.dumps(figures, indent=2))


def test_two_hosts_each_unpack_the_grader_and_share_a_burst(
    hosts, hosts_queue, worker_group, synced_exercise  # type: ignore[no-untyped-def]
) -> None:
    figures = {}
    # One host, two runs at a time: the baseline.
    a = worker_group.start("hosts-a", hosts["host-a"].env, concurrency=2, queues=QUEUE_PREFIX + "cpu")
    ids = burst(synced_exercise, 12)
    figures["one_host_c2"] = {"runs": 12, "seconds": round(settle(ids, 240), 1)}
    one = assert_each_graded_once(ids)
    assert {run.worker for run in one} == {"host-a"}
    worker_group.stop(a)

    # Two hosts, one run at a time each: the same two runs at a time, spread over two engines.
    for name in HOSTS:
        worker_group.start(f"hosts-{name[-1]}", hosts[name].env, concurrency=1, queues=QUEUE_PREFIX + "cpu")
    ids = burst(synced_exercise, 12)
    figures["two_hosts_c1_each"] = {"runs": 12, "seconds": round(settle(ids, 240), 1)}
    two = assert_each_graded_once(ids)
    spread = Counter(run.worker for run in two)
    figures["two_hosts_c1_each"]["per_host"] = dict(spread)
    assert set(spread) == set(HOSTS) and min(spread.values()) >= 2, spread
    assert all(run.deliveries == 1 for run in two)
    # Each host unpacked the grader version from PostgreSQL into its own runs folder, and ran boxes only on
    # its own engine (none left behind on either).
    digests = {name: hosts[name].unpacked_graders() for name in HOSTS}
    assert digests["host-a"] and digests["host-a"] == digests["host-b"], digests
    for name in HOSTS:
        client = hosts[name].engine.client
        wait_for(lambda client=client: not any(run_containers(client, run_name_for(run.pk)) for run in two), 30,
                 f"the runs' boxes on {name} to be removed")
    record(figures)


def test_one_engine_stopped_mid_burst_costs_no_run_its_result(
    hosts, hosts_queue, worker_group, synced_exercise  # type: ignore[no-untyped-def]
) -> None:
    for name in HOSTS:
        worker_group.start(f"hosts-{name[-1]}", hosts[name].env, concurrency=1, queues=QUEUE_PREFIX + "cpu")
    ids = burst(synced_exercise, 14)

    def b_is_grading() -> bool:
        rows = GradingRun.objects.filter(pk__in=ids, worker="host-b")
        return rows.filter(status="graded").exists() and rows.filter(status="running").exists()

    wait_for(b_is_grading, 120, "host-b to have graded one run and be grading another", interval=0.05)
    hosts["host-b"].engine.stop()  # as `systemctl stop docker` on that host: its boxes go with it
    seconds = settle(ids, 300)
    runs = assert_each_graded_once(ids)  # none charged, none given up, one result each
    interrupted = [run.pk for run in runs if run.deliveries > 1]
    finished_by = Counter(run.worker for run in runs)
    late_b = [run.pk for run in runs if run.worker == "host-b" and run.finished_at and run.deliveries > 1]
    assert late_b == [], "a run retried after host-b's engine stopped cannot have been finished there"
    assert finished_by["host-a"] >= 1 and interrupted, (finished_by, interrupted)
    # More runs while the engine is still away: host-b's idle worker is offered some, hands them back and
    # stops taking runs (the burst above may have drained before it was offered one).
    while_down = burst(synced_exercise, 4)
    settle(while_down, 180)
    assert {run.worker for run in assert_each_graded_once(while_down)} == {"host-a"}
    assert "stops taking runs" in worker_group.log("hosts-b")

    # The engine comes back: host-b takes runs again, without a restart of its worker.
    hosts["host-b"].engine.start()
    again = burst(synced_exercise, 6)
    settle(again, 180)
    back = assert_each_graded_once(again)
    assert "takes runs from" in worker_group.log("hosts-b")
    assert any(run.worker == "host-b" for run in back), Counter(run.worker for run in back)
    record({"engine_stopped_mid_burst": {
        "runs": len(ids), "seconds_after_the_stop": round(seconds, 1), "retried": len(interrupted),
        "finished_by": dict(finished_by), "after_restart_per_host": dict(Counter(run.worker for run in back)),
    }})
