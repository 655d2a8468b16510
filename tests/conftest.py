"""Shared fixtures. The services' URLs come from scripts/test (or the defaults in pyproject.toml); the
harness code behind them is in tests/support."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.solutions import WORD_FREQ
from tests.support.workers import WorkerControl, purge_queue, start_celery_worker, stop_celery_worker


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The test database, with the catalogue synced into it once: a test's own transaction is rolled back,
    so every test starts with all exercises in place (``synced_exercise``) without writing 110 of them again
    (about a second per test, over 200 tests). A transactional test's flush empties it; the next
    ``synced_exercise`` syncs again. Tests that need an empty catalogue clear it (``grader_tree``)."""
    from catalog.services import exercises_sync

    with django_db_blocker.unblock():
        exercises_sync()


@pytest.fixture
def synced_exercise(db):  # type: ignore[no-untyped-def]
    """The word-frequencies exercise loaded into the database, as sync_exercises does (all exercises are)."""
    from catalog.models import Exercise
    from catalog.services import exercises_sync

    if not Exercise.objects.filter(slug=WORD_FREQ, active=True).exists():  # flushed by a transactional test
        exercises_sync()
    return Exercise.objects.get(slug=WORD_FREQ)


@pytest.fixture
def student_user(db):  # type: ignore[no-untyped-def]
    from tests.support.factories import UserFactory

    return UserFactory(username="ada", password="pw-ada-12345")


@pytest.fixture
def other_student(db):  # type: ignore[no-untyped-def]
    from tests.support.factories import UserFactory

    return UserFactory(username="grace", password="pw-grace-12345")


@pytest.fixture
def reference_source() -> bytes:
    return (ROOT / "graders" / WORD_FREQ / "reference" / "solution.py").read_bytes()


# --------------------------------------------------------------------------- a real Celery worker


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen[bytes]]:  # type: ignore[no-untyped-def]
    purge_queue("cpu")  # start from empty queues
    purge_queue("cpu-long")
    worker = start_celery_worker("e2e")
    yield worker
    stop_celery_worker(worker)


@pytest.fixture
def workers(django_db_setup) -> WorkerControl:  # type: ignore[no-untyped-def]
    return WorkerControl()
