"""Shared fixtures. The services' URLs come from scripts/test (or the defaults in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
