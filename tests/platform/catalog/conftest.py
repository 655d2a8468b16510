"""Fixtures of the catalog tests: a private exercise source (tests/platform/catalog/fixtures/private-source,
a folder laid out like the repository's exercises/ and graders/) copied where a test may change it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.paths import PRIVATE_SOURCE

collect_ignore = ["fixtures"]  # the fixture's graders hold test_*.py files that are graders, not our tests



@pytest.fixture
def private_source(grader_tree, tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    """The private source copied under tmp_path and named in GRADIENT_EXERCISE_SOURCES, beside the two
    built-in exercises of `grader_tree`. Nothing is synced yet."""
    folder = tmp_path / "private-source"
    shutil.copytree(PRIVATE_SOURCE, folder)
    settings.GRADIENT_EXERCISE_SOURCES = [folder]
    settings.GRADIENT_EXERCISE_REPOS = []
    settings.GRADIENT_EXERCISE_CACHE_DIR = tmp_path / "exercise-sources"
    return folder
