"""Build a sandbox GradingJob from an exercise definition and checked submission files (Django-free)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from catalog.definitions import ExerciseDefinition
from sandbox import GradingJob
from sandbox.errors import NotGradable
from sandbox.submission import LoadedSubmission, load_submission


def read_submission_path(path: Path) -> dict[str, bytes]:
    """A .py/.ipynb/.zip file, or a folder of files (links refused), as uploads."""
    if path.is_symlink():
        raise NotGradable(f"{path} is a link; submit the file itself.")
    if path.is_file():
        return {path.name: path.read_bytes()}
    if path.is_dir():
        uploads: dict[str, bytes] = {}
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs[:] = [d for d in dirs if not d.startswith((".", "__pycache__"))]
            for name in files:
                full = Path(root) / name
                if full.is_symlink():
                    raise NotGradable(f"{full} is a link; links are not allowed.")
                if name.endswith(".pyc"):
                    continue
                uploads[full.relative_to(path).as_posix()] = full.read_bytes()
        return uploads
    raise NotGradable(f"{path} does not exist.")


def load_for_exercise(definition: ExerciseDefinition, uploads: dict[str, bytes]) -> LoadedSubmission:
    return load_submission(uploads, expected_files=list(definition.files))


def build_job(
    definition: ExerciseDefinition,
    loaded: LoadedSubmission,
    *,
    run_name: str,
    default_limits: dict[str, Any],
    gpu_available: bool = True,
) -> GradingJob:
    """``gpu_available=False`` grades a GPU exercise on the CPU with a note (instructor checks on machines
    without a GPU); the platform never sends students' GPU runs there (see grading.services)."""
    notes = tuple(loaded.notes)
    if definition.gpu and not gpu_available:
        notes += ("This exercise is meant for a GPU; none is available here, so it ran on the CPU.",)
    return GradingJob(
        run_name=run_name,
        image=definition.image,
        student_files=loaded.files,
        module=definition.module,
        grader_dir=definition.grader_dir,
        declared_tests=definition.declared_tests,
        limits=definition.limits_with(default_limits),
        gpu=definition.gpu and gpu_available,
        notes=notes,
    )
