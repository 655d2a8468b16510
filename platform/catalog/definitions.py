"""Exercises as files: read exercises/<phase>/<name>/exercise.toml and the matching graders/ folder.

Django-free, so `manage.py grade` works without a database and the sync command and the workers share one
reading of the format (documented in exercises/README.md and graders/README.md).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog.snapshots import SnapshotError, grader_files
from catalog.support import SupportError, find_support_files, read_support_files
from sandbox import Limits, Manifest, RequirementError, as_points, declared_tests, image_with, parse_image

PHASES: dict[str, str] = {
    "python-foundations": "Python foundations",
    "numpy": "Math and NumPy",
    "pandas": "Data with Pandas",
    "classical-ml": "Classical machine learning",
    "deep-learning": "Deep learning with PyTorch",
    "transformers": "Transformers and LLMs",
    "llm-apps": "Building with LLM APIs",
    "rag": "Retrieval-augmented generation",
    "agents": "Agents",
    "fine-tuning": "Fine-tuning",
    "mlops": "Deployment and MLOps",
    "projects": "Capstone projects",
}


class ExerciseDefinitionError(ValueError):
    """An exercise's files do not follow the format."""


@dataclass(frozen=True)
class ExerciseDefinition:
    slug: str  # "<phase>/<name>" ("<group>/<name>" for an unlisted exercise: a course's own folder name)
    title: str
    phase: str  # "" for an unlisted exercise that names no phase
    order: int
    skills: tuple[str, ...]
    summary: str
    points: Decimal
    files: tuple[str, ...]
    module: str
    # The sandbox image: "python", "ml", or a derived image, the base plus the exercise's `requirements`
    # ("python[tqdm==4.67.1]": sandbox.image_with); stored with each version, so a pinned version keeps it.
    image: str
    gpu: bool
    limits: dict[str, Any]
    notebook: bool  # the starter is a notebook (submissions may be .ipynb or .py either way)
    leaderboard_metric: str  # "" when the exercise is not a leaderboard challenge
    leaderboard_direction: str  # "max" or "min"
    statement_md: str
    exercise_dir: Path
    grader_dir: Path
    # False (`unlisted = true`): on no roadmap page or roadmap leaderboard; students reach it only through an
    # assignment that schedules it for their cohort.
    listed: bool = True
    # support/ files (catalog.support): name -> file, copied beside the submission in the student's box.
    support: dict[str, Path] = field(default_factory=dict)
    source: str = ""  # the source it was read from (catalog.sources), for messages

    @property
    def support_files(self) -> dict[str, bytes]:
        return read_support_files(self.support)

    @property
    def requirements(self) -> tuple[str, ...]:
        """The extra pinned packages of its image (normalised, sorted); () for a plain base image."""
        return parse_image(self.image)[1] if "[" in self.image else ()

    @property
    def declared_tests(self) -> Manifest:
        return declared_tests(self.grader_dir)

    @property
    def grader_hash(self) -> str:
        """Identifies the grader version: a changed test or data file, or changed limits, is a new exercise
        version (catalog.services also makes one when only the settings in `grading_settings` change)."""
        digest = hashlib.sha256()
        try:
            files = grader_files(self.grader_dir)
        except SnapshotError as exc:
            raise ExerciseDefinitionError(f"{self.slug}: {exc}") from exc
        for path in files:
            digest.update(str(path.relative_to(self.grader_dir)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        digest.update(repr(sorted(self.limits.items())).encode())
        # Support files are part of the version too; hashed only when there are some, so that the hash of an
        # exercise without them (every version made before they existed) stays what it was.
        for name, path in sorted(self.support.items()):
            digest.update(b"\0support/" + name.encode() + b"\0" + path.read_bytes())
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
    unlisted = meta.get("unlisted", False)
    if not isinstance(unlisted, bool):
        raise ExerciseDefinitionError(f"{meta_path}: 'unlisted' must be true or false")
    # An unlisted exercise needs no phase: it sits in a folder of the course's choosing (exercises/<group>/).
    phase = _require(meta, "phase", str, meta_path) if not unlisted or "phase" in meta else ""
    if phase and phase not in PHASES:
        raise ExerciseDefinitionError(f"{meta_path}: unknown phase {phase!r}; known: {', '.join(PHASES)}")
    if phase and slug.split("/")[0] != phase:
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
    try:
        support = find_support_files(exercise_dir, submitted=files, module=str(module))
    except SupportError as exc:
        raise ExerciseDefinitionError(f"{slug}: {exc}") from exc
    return ExerciseDefinition(
        slug=slug,
        title=_require(meta, "title", str, meta_path),
        phase=phase,
        order=int(meta.get("order", 100)),
        skills=tuple(meta.get("skills", ())),
        summary=str(meta.get("summary", "")),
        points=_points(meta.get("points", 0), exercise_dir),
        files=tuple(files),
        module=str(module),
        image=_image(meta, meta_path),
        gpu=bool(meta.get("gpu", False)),
        limits=dict(limits),
        notebook=bool(submission.get("notebook", False)),
        leaderboard_metric=metric,
        leaderboard_direction=direction,
        statement_md=statement_path.read_text(encoding="utf-8") if statement_path.exists() else "",
        exercise_dir=exercise_dir,
        grader_dir=grader_dir,
        listed=not unlisted,
        support=support,
    )


def discover(exercises_root: Path, graders_root: Path) -> list[ExerciseDefinition]:
    found = [
        load_exercise(meta.parent, graders_root, exercises_root)
        for meta in sorted(exercises_root.glob("*/*/exercise.toml"))
    ]
    return sorted(found, key=roadmap_order)


def roadmap_order(definition: ExerciseDefinition) -> tuple[bool, int, int, str]:
    """Phase by phase in roadmap order; unlisted exercises after the roadmap."""
    phases = list(PHASES)
    phase = phases.index(definition.phase) if definition.phase in phases else len(phases)
    return (not definition.listed, phase, definition.order, definition.slug)


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


def _image(meta: dict[str, Any], meta_path: Path) -> str:
    """The image name: `image` alone, or with the pinned `requirements` a derived image (exercises/README.md)."""
    image = meta.get("image", "python")
    requirements = meta.get("requirements", [])
    if not isinstance(image, str):
        raise ExerciseDefinitionError(f"{meta_path}: 'image' must be a string such as \"python\" or \"ml\"")
    if not isinstance(requirements, list):
        raise ExerciseDefinitionError(
            f"{meta_path}: 'requirements' must be a list of pinned packages, such as [\"tqdm==4.67.1\"]"
        )
    try:
        return image_with(image, requirements) if requirements else image
    except RequirementError as exc:
        raise ExerciseDefinitionError(f"{meta_path}: {exc}") from exc


def _points(value: Any, exercise_dir: Path) -> Decimal:
    try:
        return as_points(value, "points")
    except ValueError as exc:
        raise ExerciseDefinitionError(f"{exercise_dir / 'exercise.toml'}: {exc}") from exc
