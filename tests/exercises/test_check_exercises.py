"""`manage.py check_exercises` on every exercise, in the real sandbox, in parallel (what CI relies on)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalog.definitions import PHASES, discover

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.docker


def test_every_exercise_passes_its_checks() -> None:
    """Every exercise, one reference run each (two draws for a grader that draws per submission), its starter
    and every known-wrong solution: what CI can afford for 80 exercises on 2 cores. Authors' default
    (`check_exercises` without --runs) also checks that three runs agree."""
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_exercises", "--json", "--jobs", "2", "--runs", "1"],
        capture_output=True, text=True, env=env, timeout=4200, check=False,
    )
    print(f"check_exercises on every exercise: {time.monotonic() - started:.0f} s")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "check_exercises.json").write_text(result.stdout or "[]", encoding="utf-8")  # times per exercise
    assert result.stdout, result.stderr[-3000:]
    checks = json.loads(result.stdout)
    failures = {c["slug"]: c["problems"] for c in checks if not c["ok"]}
    assert failures == {}, json.dumps(failures, indent=2)
    assert result.returncode == 0, result.stderr[-2000:]
    assert {c["slug"] for c in checks} == {d.slug for d in discover(ROOT / "exercises", ROOT / "graders")}


SLUG = "python-foundations/word-frequencies"


class ExerciseCopy:
    """A copy of one exercise and its grader in a scratch folder, to spoil on purpose and check."""

    def __init__(self, root: Path, slug: str = SLUG) -> None:
        self.slug = slug
        self.exercises, self.graders = root / "exercises", root / "graders"
        shutil.copytree(ROOT / "exercises" / slug, self.exercises / slug)
        shutil.copytree(ROOT / "graders" / slug, self.graders / slug)
        self.exercise_dir, self.grader_dir = self.exercises / slug, self.graders / slug

    def check(self) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GRADIENT_EXERCISES_DIR": str(self.exercises), "GRADIENT_GRADERS_DIR": str(self.graders)}
        env.pop("SECRET_KEY", None)
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "check_exercises", self.slug, "--runs", "1"],
            capture_output=True, text=True, env=env, timeout=600, check=False,
        )


def test_check_exercises_catches_a_wrong_solution_that_gets_full_marks(tmp_path: Path) -> None:
    copy = ExerciseCopy(tmp_path)
    # A "wrong" solution that is in fact the reference: the check must refuse it.
    shutil.copytree(copy.grader_dir / "reference", copy.grader_dir / "wrong" / "not-really-wrong")
    result = copy.check()
    assert result.returncode != 0
    assert "wrong/not-really-wrong gets full marks" in result.stdout


def test_check_exercises_catches_a_leaked_reference(tmp_path: Path) -> None:
    copy = ExerciseCopy(tmp_path)
    # A "hint" file that is in fact the reference, and a starter that is the reference too.
    reference = copy.grader_dir / "reference" / "solution.py"
    shutil.copy(reference, copy.exercise_dir / "hints.py")
    shutil.copy(reference, copy.exercise_dir / "starter" / "solution.py")
    result = copy.check()
    assert result.returncode != 0
    assert "statements of the reference solution appear under exercises/" in result.stdout
    assert "the starter gets full marks" in result.stdout


def test_every_phase_is_known() -> None:
    for definition in discover(ROOT / "exercises", ROOT / "graders"):
        assert definition.phase in PHASES


def test_public_tests_must_pass_on_the_reference(tmp_path: Path) -> None:
    copy = ExerciseCopy(tmp_path)
    public = copy.exercise_dir / "public_tests" / "test_public.py"
    public.write_text(public.read_text() + "\n\ndef test_wrong_expectation():\n    assert count_words('a') == {'b': 1}\n")
    result = copy.check()
    assert result.returncode != 0
    assert "the public tests fail on the reference in the python image (exit 1): 1 failed, 3 passed" in result.stdout


def test_public_tests_run_in_the_exercise_image_with_its_packages(tmp_path: Path) -> None:
    # causal-masking's public tests import torch, which only the ml image has: the ones that pass there pass,
    # and the one spoilt here is reported (on the host, all of them would fail to import torch).
    copy = ExerciseCopy(tmp_path, "transformers/causal-masking")
    public = copy.exercise_dir / "public_tests" / "test_public.py"
    assert "import torch" in public.read_text()
    public.write_text(public.read_text() + "\n\ndef test_wrong_expectation():\n    assert torch.ones(2).sum() == 3\n")
    result = copy.check()
    assert result.returncode != 0
    assert re.search(r"the public tests fail on the reference in the ml image \(exit 1\): 1 failed, [1-9]\d* passed", result.stdout), (
        result.stdout[-2000:]
    )


def test_check_exercises_fails_a_starter_or_wrong_solution_that_is_never_graded(tmp_path: Path) -> None:
    """Zero points from a submission the sandbox could not load is not a test catching it: the check says so."""
    copy = ExerciseCopy(tmp_path)
    broken = copy.grader_dir / "wrong" / "does-not-load"
    broken.mkdir(parents=True)
    (broken / "solution.py").write_text("raise RuntimeError('a scratch line left at the top')\n")
    starter = copy.exercise_dir / "starter" / "solution.py"
    starter.write_text("import a_module_nobody_has\n" + starter.read_text())
    result = copy.check()
    assert result.returncode != 0
    assert "wrong/does-not-load ends not_gradable, not graded" in result.stdout
    assert "the starter ends not_gradable, not graded" in result.stdout
