"""Reading exercises from files (no database)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from catalog.definitions import ExerciseDefinitionError, discover, resolve

ROOT = Path(__file__).resolve().parents[3]
EXERCISES, GRADERS = ROOT / "exercises", ROOT / "graders"
SLUG = "python-foundations/word-frequencies"


def test_discover_finds_the_exercise_with_its_declared_tests() -> None:
    found = {d.slug: d for d in discover(EXERCISES, GRADERS)}
    definition = found[SLUG]
    assert definition.files == ("solution.py",)
    assert definition.declared_tests.max_score == definition.points == 10
    assert len(definition.declared_tests) >= 5


def test_resolve_by_slug_and_by_folder_agree() -> None:
    by_slug = resolve(SLUG, EXERCISES, GRADERS)
    by_path = resolve(str(EXERCISES / SLUG), EXERCISES, GRADERS)
    assert by_slug.slug == by_path.slug == SLUG
    assert by_slug.grader_hash == by_path.grader_hash


def test_unknown_exercise_names_the_known_ones() -> None:
    with pytest.raises(ExerciseDefinitionError) as caught:
        resolve("python-foundations/no-such-thing", EXERCISES, GRADERS)
    assert SLUG in str(caught.value)


def test_changing_a_hidden_test_changes_the_grader_hash(tmp_path: Path) -> None:
    exercises, graders = tmp_path / "exercises", tmp_path / "graders"
    shutil.copytree(EXERCISES / SLUG, exercises / SLUG)
    shutil.copytree(GRADERS / SLUG, graders / SLUG)
    before = resolve(SLUG, exercises, graders).grader_hash
    test_file = next((graders / SLUG).glob("test_*.py"))
    test_file.write_text(test_file.read_text() + "\n# tightened\n")
    after = resolve(SLUG, exercises, graders).grader_hash
    assert before != after
    # The statement is not part of the grader: editing it keeps the version.
    (exercises / SLUG / "README.md").write_text("new words")
    assert resolve(SLUG, exercises, graders).grader_hash == after


def test_bad_metadata_is_a_clear_error(tmp_path: Path) -> None:
    exercises, graders = tmp_path / "exercises", tmp_path / "graders"
    shutil.copytree(EXERCISES / SLUG, exercises / SLUG)
    shutil.copytree(GRADERS / SLUG, graders / SLUG)
    meta = exercises / SLUG / "exercise.toml"
    meta.write_text(meta.read_text().replace('phase = "python-foundations"', 'phase = "astrology"'))
    with pytest.raises(ExerciseDefinitionError, match="unknown phase"):
        resolve(SLUG, exercises, graders)
