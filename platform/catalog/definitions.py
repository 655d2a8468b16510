"""Exercises as files: read exercises/<phase>/<name>/exercise.toml and the matching graders/ folder.

Django-free, so `manage.py grade` works without a database and the sync command and the workers share one
reading of the format (documented in exercises/README.md and graders/README.md).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.snapshots import grader_files
from sandbox import Limits, declared_tests

PHASES: dict[str, str] = {
    "python-foundations": "Python foundations",
    "numpy": "Math and NumPy",
    "pandas": "Data with Pandas",
    "classical-ml": "Classical machine learning",
    "deep-learning": "Deep learning with PyTorch",
    "transformers": "Transformers and LLMs",
    "rag": "Retrieval-augmented generation",
    "agents": "Agents",
    "fine-tuning": "Fine-tuning",
    "mlops": "Deployment and MLOps",
}


class ExerciseDefinitionError(ValueError):
    """An exercise's files do not follow the format."""


@dataclass(frozen=True)
class ExerciseDefinition:
    slug: str  # "<phase>/<name>"
    title: str
    phase: str
    order: int
    skills: tuple[str, ...]
    summary: str
    points: int
    files: tuple[str, ...]
    module: str
    image: str
    gpu: bool
    limits: dict[str, Any]
    notebook: bool  # the starter is a notebook (submissions may be .ipynb or .py either way)
    leaderboard_metric: str  # "" when the exercise is not a leaderboard challenge
    leaderboard_direction: str  # "max" or "min"
    statement_md: str
    exercise_dir: Path
    grader_dir: Path

    @property
    def declared_tests(self) -> dict[str, int]:
        return declared_tests(self.grader_dir)

    @property
    def grader_hash(self) -> str:
        """Identifies the grader version: a changed test or data file, or changed limits, is a new exercise
        version (catalog.services also makes one when only the settings in `grading_settings` change)."""
        digest = hashlib.sha256()
        for path in grader_files(self.grader_dir):
            digest.update(str(path.relative_to(self.grader_dir)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        digest.update(repr(sorted(self.limits.items())).encode())
        return digest.hexdigest()[:20]

    @property
    def grading_settings(self) -> dict[str, Any]:
        """What else a grading job takes from the metadata, stored with each version's snapshot."""
        return {"module": self.module, "image": self.image, "gpu": self.gpu, "limits": dict(self.limits)}

    def limits_with(self, defaults: dict[str, Any]) -> Limits:
        return Limits.from_mapping(self.limits, base=Limits.from_mapping(defaults))


def _require(data: dict[str, Any], key: str, kind: type, where: Path) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ExerciseDefinitionError(f"{where}: '{key}' must be a {kind.__name__}")
    return value


def load_exercise(exercise_dir: Path, graders_root: Path, exercises_root: Path) -> ExerciseDefinition:
    meta_path = exercise_dir / "exercise.toml"
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExerciseDefinitionError(f"{meta_path}: {exc}") from exc
    slug = exercise_dir.relative_to(exercises_root).as_posix()
    phase = _require(meta, "phase", str, meta_path)
    if phase not in PHASES:
        raise ExerciseDefinitionError(f"{meta_path}: unknown phase {phase!r}; known: {', '.join(PHASES)}")
    if slug.split("/")[0] != phase:
        raise ExerciseDefinitionError(f"{meta_path}: the folder must sit under exercises/{phase}/")
    submission = _require(meta, "submission", dict, meta_path)
    files = _require(submission, "files", list, meta_path)
    if not files or not all(isinstance(f, str) for f in files):
        raise ExerciseDefinitionError(f"{meta_path}: submission.files must list file names")
    module = submission.get("module", Path(files[0]).stem)
    limits = meta.get("limits", {})
    try:
        Limits.from_mapping(limits)
    except ValueError as exc:
        raise ExerciseDefinitionError(f"{meta_path}: {exc}") from exc
    leaderboard = meta.get("leaderboard", {})
    if not isinstance(leaderboard, dict):
        raise ExerciseDefinitionError(f"{meta_path}: [leaderboard] must be a table")
    metric = str(leaderboard.get("metric", ""))
    direction = str(leaderboard.get("direction", "max"))
    if leaderboard and (not metric or direction not in ("max", "min")):
        raise ExerciseDefinitionError(f"{meta_path}: [leaderboard] needs a metric and direction max or min")
    statement_path = exercise_dir / "README.md"
    grader_dir = graders_root / slug
    if not grader_dir.is_dir():
        raise ExerciseDefinitionError(f"{slug}: no grader folder {grader_dir}")
    return ExerciseDefinition(
        slug=slug,
        title=_require(meta, "title", str, meta_path),
        phase=phase,
        order=int(meta.get("order", 100)),
        skills=tuple(meta.get("skills", ())),
        summary=str(meta.get("summary", "")),
        points=int(meta.get("points", 0)),
        files=tuple(files),
        module=str(module),
        image=str(meta.get("image", "python")),
        gpu=bool(meta.get("gpu", False)),
        limits=dict(limits),
        notebook=bool(submission.get("notebook", False)),
        leaderboard_metric=metric,
        leaderboard_direction=direction,
        statement_md=statement_path.read_text(encoding="utf-8") if statement_path.exists() else "",
        exercise_dir=exercise_dir,
        grader_dir=grader_dir,
    )


def discover(exercises_root: Path, graders_root: Path) -> list[ExerciseDefinition]:
    found = [
        load_exercise(meta.parent, graders_root, exercises_root)
        for meta in sorted(exercises_root.glob("*/*/exercise.toml"))
    ]
    return sorted(found, key=lambda e: (list(PHASES).index(e.phase), e.order, e.slug))


def resolve(exercise: str, exercises_root: Path, graders_root: Path) -> ExerciseDefinition:
    """An exercise by slug ("python-foundations/word-frequencies") or by the path of its folder."""
    candidate = Path(exercise)
    if (candidate / "exercise.toml").is_file():
        folder = candidate.resolve()
        try:
            folder.relative_to(exercises_root.resolve())
        except ValueError:
            raise ExerciseDefinitionError(f"{exercise} is not inside {exercises_root}") from None
        return load_exercise(folder, graders_root.resolve(), exercises_root.resolve())
    folder = exercises_root / exercise.strip("/")
    if (folder / "exercise.toml").is_file():
        return load_exercise(folder, graders_root, exercises_root)
    known = ", ".join(e.slug for e in discover(exercises_root, graders_root)) or "none"
    raise ExerciseDefinitionError(f"unknown exercise {exercise!r}; known exercises: {known}")
