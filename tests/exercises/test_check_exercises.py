"""`manage.py check_exercises` on every exercise, in the real sandbox, in parallel (what CI relies on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.definitions import PHASES, discover

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.docker


def test_every_exercise_passes_its_checks() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_exercises", "--json", "--jobs", "2"],
        capture_output=True, text=True, env=env, timeout=3000, check=False,
    )
    assert result.stdout, result.stderr[-3000:]
    checks = json.loads(result.stdout)
    failures = {c["slug"]: c["problems"] for c in checks if not c["ok"]}
    assert failures == {}, json.dumps(failures, indent=2)
    assert result.returncode == 0, result.stderr[-2000:]
    assert {c["slug"] for c in checks} == {d.slug for d in discover(ROOT / "exercises", ROOT / "graders")}


def test_check_exercises_catches_a_wrong_solution_that_gets_full_marks(tmp_path: Path) -> None:
    import shutil

    slug = "python-foundations/word-frequencies"
    exercises, graders = tmp_path / "exercises", tmp_path / "graders"
    shutil.copytree(ROOT / "exercises" / slug, exercises / slug)
    shutil.copytree(ROOT / "graders" / slug, graders / slug)
    # A "wrong" solution that is in fact the reference: the check must refuse it.
    shutil.copytree(graders / slug / "reference", graders / slug / "wrong" / "not-really-wrong")
    env = {**os.environ, "GRADIENT_EXERCISES_DIR": str(exercises), "GRADIENT_GRADERS_DIR": str(graders)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_exercises", slug, "--runs", "1"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    assert result.returncode != 0
    assert "wrong/not-really-wrong gets full marks" in result.stdout


def test_check_exercises_catches_a_leaked_reference(tmp_path: Path) -> None:
    import shutil

    slug = "python-foundations/word-frequencies"
    exercises, graders = tmp_path / "exercises", tmp_path / "graders"
    shutil.copytree(ROOT / "exercises" / slug, exercises / slug)
    shutil.copytree(ROOT / "graders" / slug, graders / slug)
    # A "hint" file that is in fact the reference, and a starter that is the reference too.
    shutil.copy(graders / slug / "reference" / "solution.py", exercises / slug / "hints.py")
    shutil.copy(graders / slug / "reference" / "solution.py", exercises / slug / "starter" / "solution.py")
    env = {**os.environ, "GRADIENT_EXERCISES_DIR": str(exercises), "GRADIENT_GRADERS_DIR": str(graders)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_exercises", slug, "--runs", "1"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    assert result.returncode != 0
    assert "statements of the reference solution appear under exercises/" in result.stdout
    assert "the starter gets full marks" in result.stdout


def test_every_phase_is_known() -> None:
    for definition in discover(ROOT / "exercises", ROOT / "graders"):
        assert definition.phase in PHASES


def test_public_tests_must_pass_on_the_reference(tmp_path: Path) -> None:
    import shutil

    slug = "python-foundations/word-frequencies"
    exercises, graders = tmp_path / "exercises", tmp_path / "graders"
    shutil.copytree(ROOT / "exercises" / slug, exercises / slug)
    shutil.copytree(ROOT / "graders" / slug, graders / slug)
    public = exercises / slug / "public_tests" / "test_public.py"
    public.write_text(public.read_text() + "\n\ndef test_wrong_expectation():\n    assert count_words('a') == {'b': 1}\n")
    env = {**os.environ, "GRADIENT_EXERCISES_DIR": str(exercises), "GRADIENT_GRADERS_DIR": str(graders)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_exercises", slug, "--runs", "1"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    assert result.returncode != 0
    assert "the public tests fail on the reference: 1 failed, 3 passed" in result.stdout
