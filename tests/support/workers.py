"""Real Celery worker processes on the test database: starting and stopping them (``WorkerControl``, the
``workers`` fixture of tests/conftest.py), and the ``WorkerGroup`` of the fault tests, which makes sure that
no worker outlives its test."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from django.conf import settings

from tests.support.paths import ARTIFACTS, ROOT
from tests.support.processes import group_alive, wait_for


def worker_database_url(name: str | None = None) -> str:
    """The URL of the database pytest-django made (the workers must use it, not the configured one), or of
    another database ``name`` on the same server."""
    db = settings.DATABASES["default"]
    return (f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{name or db['NAME']}")


def worker_log(name: str) -> str:
    return (ARTIFACTS / f"{name}-worker.log").read_text(errors="replace")


def start_celery_worker(
    name: str, *, queues: str = "cpu,cpu-long", concurrency: int = 1, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """A real worker process on the test database, in its own process group (so a test can kill it whole)."""
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"{name}-worker.log"
    full_env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
        "GRADING_LEASE_S": "30",
        **(env or {}),
    }
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues, "--concurrency",
             str(concurrency), "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle",
             "--loglevel", "INFO"],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while b"ready." not in log_path.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"the Celery worker {name} did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return worker


def stop_celery_worker(worker: subprocess.Popen[bytes]) -> None:
    """A warm shutdown, as a deployment stops a worker; returns once every process of it has exited (its pool
    processes may outlive the main one while they finish, e.g. removing their warm boxes)."""
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(worker.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)


def purge_queue(queue: str) -> None:
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


class WorkerControl:
    """What fault tests use to start, stop and kill their own workers."""

    start = staticmethod(start_celery_worker)
    stop = staticmethod(stop_celery_worker)
    purge = staticmethod(purge_queue)


class WorkerGroup:
    """Starts real Celery workers (``WorkerControl``) and makes sure that none outlives its test: each runs in
    its own process group, and teardown (``reap``) kills whatever of a group is still there."""

    def __init__(self, control: Any) -> None:
        self.control = control
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, env: dict[str, str], *, concurrency: int = 1, queues: str = "faults-cpu"):  # type: ignore[no-untyped-def]
        worker = self.control.start(name, queues=queues, concurrency=concurrency, env=env)
        self.started.append(worker)
        return worker

    @staticmethod
    def log(name: str) -> str:
        return worker_log(name)

    def stop(self, worker: subprocess.Popen[bytes], timeout: float = 60) -> None:
        """A graceful stop (SIGTERM, warm shutdown), then the whole group must be gone."""
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill(worker)
                raise AssertionError(f"worker {worker.pid} did not stop within {timeout:g} s of SIGTERM") from None
        wait_for(lambda: not group_alive(worker.pid), 15, f"worker {worker.pid}'s pool processes to exit")

    @staticmethod
    def kill(worker: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGCONT)  # a stopped (SIGSTOP) group must be able to die
            os.killpg(worker.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=10)

    def assert_all_stopped(self) -> None:
        running = [w.pid for w in self.started if w.poll() is None or group_alive(w.pid)]
        assert running == [], f"worker process groups still running: {running}"

    def reap(self) -> None:
        for worker in self.started:
            if worker.poll() is None or group_alive(worker.pid):
                self.kill(worker)
