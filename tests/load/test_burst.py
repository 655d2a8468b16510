"""A burst of submissions through the REST API: all graded, none lost or duplicated, and the site still answers.

Real parts: PostgreSQL, Redis, two real Celery worker processes (concurrency 1 each, started with the
fixtures of tests/conftest.py on their own queue, "load-cpu", as the fault tests do), the real Docker engine,
and the site served by pytest-django's live_server (a threaded WSGI server in this process). Many simulated
students, each with an API token, POST the trivial exercise's reference from client threads at once; while
the runs grade, another thread keeps GETting the roadmap as a signed-in student. Afterwards every submission
has exactly one run, graded with full marks and one set of test results; no sandbox container or work folder
of these runs is left, and the worker processes are gone. Throughput and latency percentiles are printed
(and written to test-artifacts/load-burst.json).

    TOX_PARALLEL_ENV=bench CELERY_BROKER_URL=redis://127.0.0.1:6379/12 .venv/bin/python -m pytest tests/load -m load
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
import pytest
import requests
from django.db import connection
from django.db.models import Count
from django.test import Client

from grading.models import FINAL_STATUSES, GradingRun, Submission, TestResult
from grading.selectors import run_name_for
from sandbox.boxes import container_name
from sandbox.grader_server import BOX_PREFIX as SERVER_PREFIX
from sandbox.pool import BOX_PREFIX
from tests.support.factories import UserFactory
from tests.support.processes import group_alive
from web import tokens as api_tokens

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = "python-foundations/word-frequencies"
REFERENCE = (ROOT / "graders" / EXERCISE / "reference" / "solution.py").read_bytes()
SUBMISSIONS = int(os.environ.get("LOAD_SUBMISSIONS", "500"))
STUDENTS = 50  # 10 submissions each: well inside the per-user rate limit (30 a minute)
CLIENTS = 16  # client threads posting at once
GRADING_DEADLINE_S = 480
DECLARED_TESTS = 7

pytestmark = [pytest.mark.load, pytest.mark.docker, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def pool_owner_alive(box_name: str) -> bool:
    """Whether the worker process named in a pool box's name (gradient-pool-<host>-<pid>-<n>-<role>) or a
    grader server's (gradient-server-<host>-<pid>-<n>) runs."""
    pid = int(box_name.rsplit("-", 2)[-2] if box_name.startswith(SERVER_PREFIX) else box_name.rsplit("-", 3)[-3])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class RoadmapProbe(threading.Thread):
    """GETs the roadmap as a signed-in student every 0.25 s until stopped: (seconds, status) of each."""

    def __init__(self, url: str, session_key: str) -> None:
        super().__init__(daemon=True, name="roadmap-probe")
        self.url, self.cookies = url, {"sessionid": session_key}
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            start = time.perf_counter()
            try:
                status = requests.get(f"{self.url}/", cookies=self.cookies, timeout=30, allow_redirects=False).status_code
            except requests.RequestException:
                status = 0
            self.samples.append((time.perf_counter() - start, status))
            self.stopped.wait(0.25)


@pytest.fixture
def load_queue(settings, workers):  # type: ignore[no-untyped-def]
    settings.GRADING_QUEUE_PREFIX = "load-"  # the live server runs in this process: it sends there too
    workers.purge("load-cpu")
    yield {"GRADING_QUEUE_PREFIX": "load-"}
    workers.purge("load-cpu")


def test_a_burst_of_submissions_is_graded_exactly_once(live_server, load_queue, workers, synced_exercise, capsys):
    students = [UserFactory(username=f"load-{index:03d}") for index in range(STUDENTS)]
    tokens = [api_tokens.issue(student)[1] for student in students]
    browser = Client()
    browser.force_login(students[0])
    probe = RoadmapProbe(live_server.url, browser.cookies["sessionid"].value)

    def submit(index: int) -> tuple[int, float]:
        start = time.perf_counter()
        response = requests.post(
            f"{live_server.url}/api/v1/submissions/",
            data={"exercise": EXERCISE},
            files=[("files", ("solution.py", REFERENCE, "text/x-python"))],
            headers={"Authorization": f"Token {tokens[index % STUDENTS]}"},
            timeout=120,
        )
        assert response.status_code == 201, (response.status_code, response.text[:500])
        return response.json()["id"], time.perf_counter() - start

    worker_procs = [workers.start(f"load-{name}", queues="load-cpu", env=load_queue) for name in "ab"]
    try:
        probe.start()
        burst_start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            posted = list(pool.map(submit, range(SUBMISSIONS)))
        posting_s = time.perf_counter() - burst_start
        ids = [submission_id for submission_id, _ in posted]
        deadline = time.monotonic() + GRADING_DEADLINE_S
        final = 0
        while time.monotonic() < deadline:
            final = GradingRun.objects.filter(submission_id__in=ids, status__in=list(FINAL_STATUSES)).count()
            if final >= SUBMISSIONS:
                break
            time.sleep(0.5)
        burst_s = time.perf_counter() - burst_start
        probe.stopped.set()
        probe.join(timeout=60)
    finally:
        probe.stopped.set()
        for worker in worker_procs:
            workers.stop(worker)

    # Nothing lost or duplicated: every POST made one submission with exactly one run, final and graded.
    assert len(set(ids)) == SUBMISSIONS
    assert Submission.objects.filter(student__username__startswith="load-").count() == SUBMISSIONS
    runs_per_submission = Counter(
        dict(Submission.objects.filter(pk__in=ids).annotate(n=Count("runs")).values_list("pk", "n"))
    )
    assert set(runs_per_submission.values()) == {1}, runs_per_submission.most_common(3)
    unfinished = list(
        GradingRun.objects.filter(submission_id__in=ids).exclude(status__in=list(FINAL_STATUSES))
        .values("pk", "status", "held", "sent_at", "deliveries", "submission__student__username")[:10]
    )
    assert final == SUBMISSIONS, f"only {final} of {SUBMISSIONS} runs finished in {GRADING_DEADLINE_S} s: {unfinished}"
    runs = list(GradingRun.objects.filter(submission_id__in=ids).select_related("submission"))
    not_graded = [(r.pk, r.status, r.score, r.messages) for r in runs if r.status != "graded" or r.score != 10]
    assert not not_graded, not_graded[:5]
    per_run = Counter(TestResult.objects.filter(run__in=runs).values_list("run_id", flat=True))
    assert set(per_run.values()) == {DECLARED_TESTS} and len(per_run) == SUBMISSIONS
    names = TestResult.objects.filter(run__in=runs).values_list("run_id", "name")
    assert len(set(names)) == DECLARED_TESTS * SUBMISSIONS  # one set of results per run, no repeats
    redelivered = sum(1 for r in runs if r.deliveries != 1)

    # Back to baseline: no container or work folder of these runs, and the worker processes are gone.
    run_names = {run_name_for(r.pk) for r in runs}
    # (Boxes are named after their run; the workers' warm pools are closed with them.)
    boxes = docker.from_env().containers.list(all=True, filters={"label": "gradient.box"}, ignore_removed=True)
    names = [c.name for c in boxes]
    assert [n for n in names if any(n.startswith(container_name(r, "")) for r in run_names)] == []
    # The stopped workers' warm pools and grader servers went with them: no pool box is left whose worker process is gone
    # (another test's live worker, such as the session's e2e worker, may keep its own).
    assert [n for n in names if n.startswith((BOX_PREFIX, SERVER_PREFIX)) and not pool_owner_alive(n)] == []
    work_root = Path(os.environ.get("SANDBOX_WORK_DIR", "/tmp/gradient-runs"))
    assert [name for name in run_names if (work_root / name).exists()] == []
    for worker in worker_procs:
        assert worker.poll() is not None and not group_alive(worker.pid)

    # The site kept answering while the burst was graded.
    probes = [seconds for seconds, status in probe.samples]
    statuses = Counter(status for _, status in probe.samples)
    assert len(probes) >= 5 and set(statuses) == {200}, statuses

    first = min(r.submission.created_at for r in runs)
    last = max(r.finished_at for r in runs)
    span = (last - first).total_seconds()
    latencies = [(r.finished_at - r.submission.created_at).total_seconds() for r in runs]
    posts = [seconds for _, seconds in posted]
    figures = {
        "submissions": SUBMISSIONS, "students": STUDENTS, "client_threads": CLIENTS, "workers": 2,
        "database": connection.settings_dict["NAME"],
        "posting_s": round(posting_s, 2), "burst_s": round(burst_s, 2), "graded_span_s": round(span, 2),
        "throughput_per_s": round(SUBMISSIONS / span, 3),
        "latency_s": {q: round(percentile(latencies, q), 3) for q in (50, 95, 99)} | {"max": round(max(latencies), 3)},
        "post_ms": {q: round(percentile(posts, q) * 1000, 1) for q in (50, 95, 99)},
        "roadmap_ms": {q: round(percentile(probes, q) * 1000, 1) for q in (50, 95)}
        | {"max": round(max(probes) * 1000, 1), "n": len(probes)},
        "redelivered_runs": redelivered,
    }
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "load-burst.json").write_text(json.dumps(figures, indent=2))
    with capsys.disabled():
        print(
            f"\n[load] {SUBMISSIONS} submissions from {STUDENTS} students ({CLIENTS} client threads), 2 workers: "
            f"posted in {posting_s:.1f}s, all graded {span:.1f}s after the first upload = "
            f"{SUBMISSIONS / span:.2f} submissions/s\n"
            f"[load] upload -> committed score: p50 {figures['latency_s'][50]:.2f}s  p95 {figures['latency_s'][95]:.2f}s"
            f"  p99 {figures['latency_s'][99]:.2f}s  max {figures['latency_s']['max']:.2f}s\n"
            f"[load] POST /api/v1/submissions/: p50 {figures['post_ms'][50]:.0f}ms  p95 {figures['post_ms'][95]:.0f}ms"
            f"  p99 {figures['post_ms'][99]:.0f}ms\n"
            f"[load] GET / (roadmap) during the burst: {len(probes)} answered 200, p50 "
            f"{figures['roadmap_ms'][50]:.0f}ms  p95 {figures['roadmap_ms'][95]:.0f}ms  max {figures['roadmap_ms']['max']:.0f}ms"
            f"\n[load] runs delivered more than once (retried, still one result): {redelivered}"
        )
