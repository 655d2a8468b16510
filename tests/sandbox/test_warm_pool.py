"""The warm pool: box pairs started before their submission exists, used once, never shared.

A warm run must be indistinguishable from a cold one to the student and to the grader (the red-team suite
runs every attack both ways: see the ``grade`` fixture); these tests check what is particular to the pool:
which pair a run takes, that a pair serves one run only, that a pair which died while it waited costs the
student nothing, and that pools leave nothing behind, even when their worker was killed.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import time
from typing import Any

import pytest

from sandbox import GradingJob, run_job
from sandbox.box_pair import remove_by_force
from sandbox.boxes import container_name, pair_key, run_containers
from sandbox.engine import docker_client
from sandbox.images import ensure_image
from sandbox.pool import BOX_PREFIX, WarmPool, owner_id
from tests.support.redteam import CONFIG, HONEST, Seen, attack_job

pytestmark = pytest.mark.docker

FRESHNESS_PROBE = HONEST + '''
import os, json
_seen = {p: os.path.exists(p) for p in ("/tmp/left-by-an-earlier-run", "/work/left-by-an-earlier-run")}
for _p in _seen:
    open(_p, "w").write("x")
print("FACTS=" + json.dumps(_seen), flush=True)
'''


def make_job(source: str = HONEST, **limit_changes: Any) -> GradingJob:
    return attack_job("pool-test", source, **limit_changes)


def pool_boxes() -> list[Any]:
    return [c for c in docker_client().containers.list(all=True, filters={"name": BOX_PREFIX}, ignore_removed=True)
            if c.name.startswith(BOX_PREFIX)]


def waiting_boxes(pool: WarmPool) -> list[Any]:
    """The boxes of the pool's waiting pairs."""
    return [c for c in pool_boxes() if pool.owner in c.name]


def wait_until(predicate: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def pool() -> Any:
    warm = WarmPool(CONFIG, refill_on_use=False)
    yield warm
    warm.close()
    assert [c.name for c in pool_boxes() if warm.owner in c.name] == []


def warmed(pool: WarmPool, job: GradingJob) -> dict[str, str]:
    """Start a pair for ``job``'s kind and wait until it is warm; the ids of its boxes, by role."""
    tag = ensure_image(job.image, config=CONFIG)
    started = pool.refill(pair_key(job, tag, CONFIG.runtime), job, tag)
    assert started is not None
    pair = started.result(timeout=60)
    assert pair.healthy()
    return {role: c.id for role, c in pair.containers.items()}


def test_a_run_takes_the_waiting_pair_renamed_after_it_and_gets_full_marks(pool: WarmPool) -> None:
    job = make_job()
    waiting = warmed(pool, job)
    seen = Seen(job)
    outcome = run_job(job, config=CONFIG, pool=pool, on_outcome=seen)
    assert outcome.status == "graded" and outcome.score == outcome.max_score
    assert {role: attrs["Id"] for role, attrs in seen.boxes.items()} == waiting
    assert pool.size() == 0  # taken, not put back
    assert run_containers(docker_client(), job.run_name) == []
    assert not (CONFIG.work_dir / job.run_name).exists()


@pytest.mark.parametrize("first_delivery", [False, True])
def test_what_an_earlier_delivery_left_is_removed_or_costs_the_student_nothing(
    pool: WarmPool, first_delivery: bool
) -> None:
    """A later delivery (``first_delivery`` False) removes the boxes an earlier one left under the run's name
    and grades. A first delivery does not look for them (one engine request fewer per run); should one be
    there all the same (the database was reset while the engine kept its boxes), the run ends as a retryable
    infrastructure error, never charged, and the next delivery looks."""
    job = dataclasses.replace(make_job(), first_delivery=first_delivery)
    left = docker_client().containers.create(
        ensure_image(job.image, config=CONFIG), ["true"], name=container_name(job.run_name, "student")
    )
    try:
        warmed(pool, job)
        outcome = run_job(job, config=CONFIG, pool=pool)
        if first_delivery:
            assert outcome.status == "infrastructure_error" and outcome.retryable, outcome.messages
        else:
            assert outcome.status == "graded" and outcome.score == outcome.max_score, outcome.messages
            assert left.id not in {c.id for c in docker_client().containers.list(all=True)}
        assert waiting_boxes(pool) == []  # the pair the run took went with it
    finally:
        remove_by_force(left)
    assert run_containers(docker_client(), job.run_name) == []


def test_a_pair_serves_one_run_only(pool: WarmPool) -> None:
    used: list[set[str]] = []
    for _ in range(2):
        job = make_job(FRESHNESS_PROBE)
        warmed(pool, job)
        seen = Seen(job)
        outcome = run_job(job, config=CONFIG, pool=pool, on_outcome=seen)
        assert outcome.status == "graded" and outcome.score == outcome.max_score
        assert '"/tmp/left-by-an-earlier-run": false' in outcome.student_output
        assert '"/work/left-by-an-earlier-run": false' in outcome.student_output
        used.append({attrs["Id"] for attrs in seen.boxes.values()})
    assert not used[0] & used[1]


LISTENER = HONEST + '''
import os, socket, threading

def _serve(port):
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen(1)
    server.accept()

def _knock(port):
    # A closed connection leaves a TIME_WAIT entry whose port numbers could carry data to a later run.
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen(1)
    client = socket.create_connection(("127.0.0.1", port))
    server.accept()[0].close()
    client.close()
    server.close()

for i, c in enumerate("secret"):
    _knock(4000 + 256 * i + ord(c))
threading.Thread(target=_serve, args=(5555,), daemon=True).start()
if os.fork() == 0:  # a detached child, meant to outlive the run
    os.setsid()
    _serve(5556)
print("LISTENING", flush=True)
'''

PROBE_LOOPBACK = HONEST + '''
import json, socket

_SEEN_AT_IMPORT = []
for _name in ("/proc/net/tcp", "/proc/net/tcp6"):
    with open(_name) as _handle:
        _SEEN_AT_IMPORT += [_line.split() for _line in _handle.read().splitlines()[1:]]

def _refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except OSError:
        return True

def _sockets():
    rows = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as handle:
            rows += [line.split() for line in handle.read().splitlines()[1:]]
    return rows

print("FACTS=" + json.dumps({
    "refused": [_refused(5555), _refused(5556)],
    "tcp_before_probing": [row[1:4] for row in _SEEN_AT_IMPORT],
}), flush=True)
'''


def test_each_run_has_a_network_namespace_of_its_own_and_nothing_reaches_the_next_run(pool: WarmPool) -> None:
    # The first run leaves a listener, a detached listening child and TIME_WAIT entries (ports that spell a
    # word); the next run, on the same worker, must see none of it: its namespace is new and its own.
    first, second = make_job(LISTENER), make_job(PROBE_LOOPBACK)
    seen_runs = []
    for job in (first, second):
        warmed(pool, job)
        seen = Seen(job)
        outcome = run_job(job, config=CONFIG, pool=pool, on_outcome=seen)
        assert outcome.status == "graded" and outcome.score == outcome.max_score, outcome.messages
        seen_runs.append((seen, outcome))
    for seen, _ in seen_runs:
        student = seen.boxes["student"]
        if CONFIG.grader_server:  # the grader is a server's child: the student box makes the run's namespace
            assert "grader" not in seen.boxes and student["HostConfig"]["NetworkMode"] == "none"
            continue
        grader = seen.boxes["grader"]
        assert grader["HostConfig"]["NetworkMode"] == "none"  # a namespace made for this run
        assert student["HostConfig"]["NetworkMode"] == f"container:{grader['Id']}"  # shared with its grader only
    # (Not the namespaces' inode numbers: the kernel reuses one as soon as the first run's namespace is gone.)
    listened, probed = seen_runs[0][1], seen_runs[1][1]
    assert "LISTENING" in listened.student_output
    line = next(x for x in probed.student_output.splitlines() if x.startswith("FACTS="))
    facts = json.loads(line[len("FACTS="):])
    assert facts["refused"] == [True, True]
    assert facts["tcp_before_probing"] == []  # no listener, no connection, no TIME_WAIT from the first run


def test_waiting_for_boxes_is_not_counted_against_the_submission(pool: WarmPool, monkeypatch) -> None:
    """The wall limit starts when the submission is handed over: a slow start of the boxes is ours."""
    original = pool.take

    def slow_take(key: str, timeout: float = 0) -> Any:
        time.sleep(3)  # say, a busy engine
        return original(key, timeout)

    monkeypatch.setattr(pool, "take", slow_take)
    job = make_job(wall_s=3)
    warmed(pool, job)
    outcome = run_job(job, config=CONFIG, pool=pool)
    assert outcome.status == "graded" and outcome.score == outcome.max_score, outcome.messages


def test_boxes_that_could_not_be_removed_do_not_stop_the_pool(pool: WarmPool) -> None:
    # Waiting pairs share nothing with a run's boxes, so boxes left by a failed removal change nothing for them.
    job = make_job()
    key = pair_key(job, ensure_image(job.image, config=CONFIG), CONFIG.runtime)
    warmed(pool, job)
    taken = pool.take(key)
    assert taken is not None
    waiting = warmed(pool, job)
    pool.give_back(taken, removed=False)  # as if the engine had failed to remove the run's boxes
    taken.remove()
    again = pool.take(key)
    assert again is not None and {role: c.id for role, c in again.containers.items()} == waiting
    pool.give_back(again)
    again.remove()


def test_a_pair_that_died_while_waiting_costs_the_student_nothing(pool: WarmPool) -> None:
    job = make_job()
    waiting = warmed(pool, job)
    docker_client().containers.get(waiting["student"]).kill()  # from outside, before any submission
    seen = Seen(job)
    outcome = run_job(job, config=CONFIG, pool=pool, on_outcome=seen)
    assert outcome.status == "graded" and outcome.score == outcome.max_score, outcome.messages
    assert waiting["student"] not in {attrs["Id"] for attrs in seen.boxes.values()}  # it started its own
    wait_until(lambda: waiting_boxes(pool) == [], timeout=30)


def test_a_pair_that_cannot_start_leaves_the_run_to_start_its_own(pool: WarmPool) -> None:
    job = make_job()
    key = pair_key(job, ensure_image(job.image, config=CONFIG), CONFIG.runtime)
    started = pool.refill(key, job, "gradient-sandbox-missing:none")  # say, the image was removed
    assert started is not None and isinstance(started.exception(timeout=60), Exception)
    assert pool.take(key) is None and pool.stats["missed"] == 1
    outcome = run_job(job, config=CONFIG, pool=pool)
    assert outcome.status == "graded" and outcome.score == outcome.max_score


def test_a_run_of_another_kind_does_not_take_the_pair(pool: WarmPool) -> None:
    small = make_job()
    waiting = warmed(pool, small)
    larger = make_job(memory_mb=192)
    seen = Seen(larger)
    outcome = run_job(larger, config=CONFIG, pool=pool, on_outcome=seen)
    assert outcome.status == "graded"
    assert seen.boxes["student"]["HostConfig"]["Memory"] == 192 * 1024 * 1024
    assert seen.boxes["student"]["Id"] != waiting["student"]
    assert pool.size() == 1  # still waiting for a run of its own kind


def test_the_pool_refills_after_a_run_and_its_pairs_go_when_it_closes() -> None:
    warm = WarmPool(CONFIG)
    try:
        job = make_job()
        first = run_job(job, config=CONFIG, pool=warm)
        assert first.status == "graded"
        boxes_per_pair = 1 if CONFIG.grader_server else 2  # with grader servers, a student box and a forked child
        wait_until(lambda: len([c for c in waiting_boxes(warm) if c.status == "running"]) == boxes_per_pair)
        second_job = make_job()
        seen = Seen(second_job)
        second = run_job(second_job, config=CONFIG, pool=warm, on_outcome=seen)
        assert second.status == "graded" and second.score == second.max_score
        assert seen.boxes  # (renamed, so no longer listed as the pool's)
    finally:
        warm.close()
    assert [c.name for c in pool_boxes() if warm.owner in c.name] == []
    assert not [p for p in CONFIG.work_dir.glob(f"pool-{warm.owner}-*")]


def test_a_new_pool_removes_what_a_killed_worker_left() -> None:
    tag = ensure_image("python", config=CONFIG)
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id nobody has any more: the "killed worker"
    host = owner_id().rsplit("-", 1)[0]
    dead_owner = f"{BOX_PREFIX}{host}-{gone.pid}-1-student"
    other_host_exited = f"{BOX_PREFIX}elsewhere-123-1-grader"
    client = docker_client()
    sleeper = ["python3", "-c", "import time; time.sleep(120)"]
    client.containers.run(tag, sleeper, name=dead_owner, detach=True, network_mode="none")
    exited = client.containers.run(tag, ["true"], name=other_host_exited, detach=True, network_mode="none")
    exited.wait(timeout=30)
    folder = CONFIG.work_dir / f"pool-{host}-{gone.pid}-1"
    folder.mkdir(parents=True, exist_ok=True)
    alive = WarmPool(CONFIG)  # this process is alive: its own pool is not an orphan
    try:
        names = [c.name for c in pool_boxes()]
        assert dead_owner not in names and other_host_exited not in names
        assert not folder.exists()
    finally:
        alive.close()
