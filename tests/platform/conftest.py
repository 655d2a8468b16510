"""Fixtures shared by the platform tests: a private copy of exercises/ and graders/ that a test may change,
so that grader versions can be made the way an author makes them (edit a file, run the sync)."""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from catalog.models import Exercise
from catalog.services import SyncReport, exercises_sync
from tests.support.mail import inbox, smtp_server  # noqa: F401  (fixtures: a real SMTP server on loopback)

ROOT = Path(__file__).resolve().parents[2]
WORD_FREQ = "python-foundations/word-frequencies"
GRADE_BOOK = "python-foundations/grade-book-stats"


@dataclass
class GraderTree:
    exercises: Path
    graders: Path

    def grader_dir(self, slug: str = WORD_FREQ) -> Path:
        return self.graders / slug

    def test_file(self, slug: str = WORD_FREQ) -> Path:
        return next(self.grader_dir(slug).glob("test_*.py"))

    def metadata(self, slug: str = WORD_FREQ) -> Path:
        return self.exercises / slug / "exercise.toml"

    def sync(self) -> SyncReport:
        return exercises_sync()

    def exercise(self, slug: str = WORD_FREQ) -> Exercise:
        return Exercise.objects.select_related("current_version").get(slug=slug)


@pytest.fixture
def grader_tree(db, tmp_path: Path, settings, request) -> GraderTree:  # type: ignore[no-untyped-def]
    """Two exercises copied under tmp_path, with the settings pointing there (the sync reads them, and the
    workers' grader cache lives under tmp_path/work). Nothing is synced yet: the catalogue synced for the
    session (tests/conftest.py) is cleared, inside the test's transaction."""
    # synced_exercise's row would be deleted here, and a test holding it would run against a dangling row.
    assert "synced_exercise" not in request.fixturenames, "grader_tree and synced_exercise do not mix"
    Exercise.objects.all().delete()
    tree = GraderTree(exercises=tmp_path / "exercises", graders=tmp_path / "graders")
    for slug in (WORD_FREQ, GRADE_BOOK):
        shutil.copytree(ROOT / "exercises" / slug, tree.exercises / slug)
        shutil.copytree(ROOT / "graders" / slug, tree.graders / slug)
    settings.GRADIENT_EXERCISES_DIR = tree.exercises
    settings.GRADIENT_GRADERS_DIR = tree.graders
    settings.SANDBOX = dataclasses.replace(settings.SANDBOX, work_dir=tmp_path / "work")
    return tree
