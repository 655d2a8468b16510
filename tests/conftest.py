"""Shared fixtures. The services' URLs come from scripts/test (or the defaults in pyproject.toml)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
WORD_FREQ = "python-foundations/word-frequencies"


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def synced_exercise(db):  # type: ignore[no-untyped-def]
    """The word-frequencies exercise loaded into the database, as sync_exercises does."""
    from catalog.models import Exercise
    from catalog.services import exercises_sync

    exercises_sync()
    return Exercise.objects.get(slug=WORD_FREQ)


@pytest.fixture
def student_user(db, django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_user(username="ada", password="pw-ada-12345")


@pytest.fixture
def other_student(db, django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_user(username="grace", password="pw-grace-12345")


@pytest.fixture
def reference_source() -> bytes:
    return (ROOT / "graders" / WORD_FREQ / "reference" / "solution.py").read_bytes()


# --------------------------------------------------------------------------- a real Celery worker




ARTIFACTS = ROOT / "test-artifacts"


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_celery_worker(
    name: str, *, queues: str = "cpu,cpu-long", concurrency: int = 1, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """A real worker process on the test database, in its own process group (so a test can kill it whole)."""
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"{name}-worker.log"
    full_env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen[bytes]]:  # type: ignore[no-untyped-def]
    purge_queue("cpu")  # start from empty queues
    purge_queue("cpu-long")
    worker = start_celery_worker("e2e")
    yield worker
    stop_celery_worker(worker)


class WorkerControl:
    """What fault tests use to start, stop and kill their own workers."""

    start = staticmethod(start_celery_worker)
    stop = staticmethod(stop_celery_worker)
    purge = staticmethod(purge_queue)


@pytest.fixture
def workers(django_db_setup) -> WorkerControl:  # type: ignore[no-untyped-def]
    return WorkerControl()
