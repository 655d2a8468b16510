"""Runs graded by grader servers (``SANDBOX_GRADER_SERVER=1``, sandbox/grader_server.py): what is particular
to them. The red-team suite runs every attack with a server too (``SANDBOX_GRADER_SERVER=1 pytest
tests/sandbox``); these tests check which boxes a run has, that a server serves run after run, one child per
run, and that a run stopped by the clock or killed for memory takes neither the server nor the next run."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox import GradingJob, Outcome, run_job
from sandbox import grader_server as grader_server_module
from sandbox.engine import docker_client
from sandbox.grader_server import BOX_PREFIX, ServerRegistry, grader_servers
from sandbox.pool import WarmPool
from tests.support.redteam import CONFIG, HONEST, Seen, attack_job, leftovers

pytestmark = pytest.mark.docker

SERVED = dataclasses.replace(CONFIG, grader_server=True)
UNSERVED = dataclasses.replace(CONFIG, grader_server=False)  # SANDBOX_GRADER_SERVER=0: a grader box per run

NAMESPACE_PROBE = HONEST + '''
import json as _json
print("FACTS=" + _json.dumps({
    "ports": open("/proc/sys/net/ipv4/ip_unprivileged_port_start").read().strip(),
    "interfaces": sorted(open("/proc/net/dev").read().split("\\n")[2:]),
}), flush=True)
'''


def make_job(source: str = HONEST, **limit_changes: Any) -> GradingJob:
    return attack_job("served", source, **limit_changes)


def server_boxes(registry: ServerRegistry) -> list[Any]:
    found = docker_client().containers.list(all=True, filters={"name": BOX_PREFIX}, ignore_removed=True)
    return [c for c in found if c.name.startswith(f"{BOX_PREFIX}{registry.owner}-")]


@pytest.fixture
def registry() -> Iterator[ServerRegistry]:
    served = grader_servers(SERVED)
    assert served is not None
    served.close()  # the process's servers of earlier tests: each test counts its own
    yield served
    served.close()
    assert server_boxes(served) == []


def graded(job: GradingJob, **kwargs: Any) -> Outcome:
    outcome = run_job(job, config=SERVED, **kwargs)
    assert leftovers(job.run_name) == []
    assert outcome.status != "infrastructure_error", outcome.messages
    return outcome


def test_runs_of_one_kind_are_graded_by_one_server_each_by_a_child_with_its_own_output(
    registry: ServerRegistry,
) -> None:
    seen = []
    for source in (HONEST, NAMESPACE_PROBE):
        job = make_job(source)
        boxes = Seen(job)
        outcome = graded(job, on_outcome=boxes)
        assert outcome.status == "graded" and outcome.score == outcome.max_score, outcome.messages
        assert set(boxes.boxes) == {"student"}  # no grader box of the run's own
        # The run's grader printed pytest's summary; the server reported it with the child's end.
        assert "passed" in outcome.grader_output
        seen.append((boxes, outcome))
    assert len(server_boxes(registry)) == 1  # both runs were served by the same server
    for boxes, _ in seen:
        student = boxes.boxes["student"]
        # The student box makes its run's network namespace: no grader process shares it.
        assert student["HostConfig"]["NetworkMode"] == "none"
        assert student["HostConfig"]["Sysctls"] == {"net.ipv4.ip_unprivileged_port_start": "1024"}
    facts = json.loads(next(x for x in seen[1][1].student_output.splitlines() if x.startswith("FACTS="))[6:])
    assert facts["ports"] == "1024"
    assert [line.split(":")[0].strip() for line in facts["interfaces"] if line.strip()] == ["lo"]


def test_a_grader_stopped_by_the_clock_takes_neither_the_server_nor_the_next_run(registry: ServerRegistry) -> None:
    # The grader's child waits on a call that outlasts the run's wall clock: the worker stops the run there.
    stuck = HONEST + "\nimport time\n_add = add\ndef add(a, b):\n    time.sleep(60)\n    return _add(a, b)\n"
    outcome = graded(make_job(stuck, wall_s=3, call_timeout_s=10))
    assert outcome.status == "timeout" and "time limit of 3 s" in " ".join(outcome.messages), outcome.messages
    after = graded(make_job(wall_s=3, call_timeout_s=10))  # the same kind (the call's limit is the grader's)
    assert after.status == "graded" and after.score == after.max_score, after.messages
    assert len(server_boxes(registry)) == 1


def test_a_server_is_replaced_after_its_runs_and_a_dead_one_costs_the_next_run_nothing(
    registry: ServerRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grader_server_module, "RUNS_PER_SERVER", 2)
    names = []
    for _ in range(3):
        outcome = graded(make_job())
        assert outcome.status == "graded", outcome.messages
        names.append([c.name for c in server_boxes(registry)])
    assert len(names[0]) == 1 and names[1] == []  # retired after its second run, removed once it ended
    assert len(names[2]) == 1 and names[2] != names[0]  # a fresh one for the third
    for container in server_boxes(registry):
        container.remove(force=True)  # the server dies between runs (an operator, the OOM killer)
    outcome = graded(make_job())
    assert outcome.status == "graded" and outcome.score == outcome.max_score, outcome.messages


def test_a_worker_keeps_servers_for_the_kinds_it_used_last_only(
    registry: ServerRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grader_server_module, "MAX_SERVERS", 1)
    first = graded(make_job())
    assert first.status == "graded"
    kept = [c.name for c in server_boxes(registry)]
    other_kind = graded(make_job(call_timeout_s=3))  # another call limit: another kind of grader server
    assert other_kind.status == "graded"
    now = [c.name for c in server_boxes(registry)]
    assert len(kept) == len(now) == 1 and now != kept  # the older kind's server went


def test_a_warm_run_takes_a_student_box_and_a_child_forked_ahead(registry: ServerRegistry) -> None:
    from sandbox.boxes import pair_key
    from sandbox.images import ensure_image

    pool = WarmPool(SERVED, refill_on_use=False)
    try:
        job = make_job()
        tag = ensure_image(job.image, config=SERVED)
        started = pool.refill(pair_key(job, tag, SERVED.runtime), job, tag)
        assert started is not None
        pair = started.result(timeout=60)
        assert pair.healthy() and set(pair.containers) == {"student"} and pair.server is not None
        assert (pair.server.run_dir(pair.server_run) / "chan.sock").exists()
        outcome = graded(job, pool=pool)
        assert outcome.warm and outcome.score == outcome.max_score, outcome.messages
        assert not pair.server.run_dir(pair.server_run).exists()  # the run's folder in the server's went with it
    finally:
        pool.close()


def test_with_servers_off_each_run_has_a_grader_box_whose_namespace_its_student_box_joins() -> None:
    # The other way (SANDBOX_GRADER_SERVER=0), which the red-team suite covers when run with it.
    job = make_job(NAMESPACE_PROBE)
    boxes = Seen(job)
    outcome = run_job(job, config=UNSERVED, on_outcome=boxes)
    assert leftovers(job.run_name) == []
    assert outcome.status == "graded" and outcome.score == outcome.max_score, outcome.messages
    # (Its grader output is read from the grader box's engine log, which may trail the run: not checked here.)
    grader, student = boxes.boxes["grader"], boxes.boxes["student"]
    assert grader["HostConfig"]["NetworkMode"] == "none"
    assert student["HostConfig"]["NetworkMode"] == f"container:{grader['Id']}"
    facts = json.loads(next(x for x in outcome.student_output.splitlines() if x.startswith("FACTS="))[6:])
    assert facts["ports"] == "1024"  # set by the grader box, which owns the namespace


def test_a_server_this_worker_removed_mid_run_is_retried_never_charged(registry: ServerRegistry) -> None:
    # While the grader's child holds a call into the submission, the worker removes the server (as when a
    # child of another run would not end). No word of the child's end ever comes: that is ours, retried.
    stuck = HONEST + "\nimport time\n_add = add\ndef add(a, b):\n    time.sleep(8)\n    return _add(a, b)\n"
    job = make_job(stuck, call_timeout_s=10, wall_s=20)

    def remove_when_busy() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            busy = [s for s in list(registry.current.values()) if any(c.pid for c in list(s.children.values()))]
            if busy:
                time.sleep(1.0)  # the child is in the slow call by now
                busy[0].remove()
                return
            time.sleep(0.05)

    remover = threading.Thread(target=remove_when_busy)
    remover.start()
    outcome = run_job(job, config=SERVED)
    remover.join()
    assert leftovers(job.run_name) == []
    assert outcome.status == "infrastructure_error" and outcome.retryable, (outcome.status, outcome.messages)
    assert "the grader server stopped" in " ".join(outcome.messages)
    after = graded(make_job(call_timeout_s=10, wall_s=20))  # the next run of that kind gets a fresh server
    assert after.status == "graded" and after.score == after.max_score, after.messages
