"""Build a sandbox GradingJob from an exercise definition and checked submission files (Django-free)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.definitions import ExerciseDefinition
from catalog.support import with_support_files
from sandbox import (
    GradingJob,
    Limits,
    LoadedSubmission,
    Manifest,
    NotGradable,
    SandboxConfig,
    load_submission,
)


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


def load_for_exercise(
    definition: ExerciseDefinition, uploads: dict[str, bytes], *, config: SandboxConfig
) -> LoadedSubmission:
    return load_submission(uploads, expected_files=list(definition.files), config=config)


@dataclass(frozen=True)
class GraderSpec:
    """What a grading job takes from one grader version: read from the exercise's files (the grade and
    check_exercises commands), or from a version's stored snapshot (the workers, grading.grader_versions)."""

    image: str
    module: str
    gpu: bool
    limits: dict[str, Any]  # the exercise's overrides of the platform defaults
    declared_tests: Manifest
    grader_dir: Path  # the test_*.py files and the optional data/ folder
    # The exercise's support/ files: into the student's box, beside the submission (never the grader's box).
    support_files: Mapping[str, bytes] = field(default_factory=dict)

    @classmethod
    def from_definition(cls, definition: ExerciseDefinition) -> GraderSpec:
        return cls(
            image=definition.image,
            module=definition.module,
            gpu=definition.gpu,
            limits=dict(definition.limits),
            declared_tests=definition.declared_tests,
            grader_dir=definition.grader_dir,
            support_files=definition.support_files,
        )


def build_job(
    definition: ExerciseDefinition,
    loaded: LoadedSubmission,
    *,
    run_name: str,
    default_limits: dict[str, Any],
    gpu_available: bool = True,
    grader_secret: str = "",
) -> GradingJob:
    """A job that grades with the exercise's files as they are on disk now."""
    return build_job_from_spec(
        GraderSpec.from_definition(definition),
        loaded,
        run_name=run_name,
        default_limits=default_limits,
        gpu_available=gpu_available,
        grader_secret=grader_secret,
    )


def build_job_from_spec(
    spec: GraderSpec,
    loaded: LoadedSubmission,
    *,
    run_name: str,
    default_limits: dict[str, Any],
    gpu_available: bool = True,
    grader_secret: str = "",
    first_delivery: bool = False,
) -> GradingJob:
    """``gpu_available=False`` grades a GPU exercise on the CPU with a note (instructor checks on machines
    without a GPU); the platform never sends students' GPU runs there (see grading.intake)."""
    student_files, support_notes = with_support_files(loaded.files, spec.support_files)
    notes = (*loaded.notes, *support_notes)
    if spec.gpu and not gpu_available:
        notes += ("This exercise is meant for a GPU; none is available here, so it ran on the CPU.",)
    return GradingJob(
        run_name=run_name,
        image=spec.image,
        student_files=student_files,
        module=spec.module,
        grader_dir=spec.grader_dir,
        declared_tests=spec.declared_tests,
        limits=Limits.from_mapping(spec.limits, base=Limits.from_mapping(default_limits)),
        gpu=spec.gpu and gpu_available,
        notes=notes,
        grader_secret=grader_secret,
        first_delivery=first_delivery,
    )
