"""Shared fixtures. The services' URLs come from scripts/test (or the defaults in pyproject.toml)."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen[bytes]]:  # type: ignore[no-untyped-def]
    from config.celery import app

    with app.connection_for_write() as connection:  # start from an empty queue
        connection.default_channel.queue_purge("cpu")
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "e2e-worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
        "GRADING_LEASE_S": "30",
    }
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "cpu", "--concurrency", "1",
             "--hostname", "e2e@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while b"ready." not in log_path.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
