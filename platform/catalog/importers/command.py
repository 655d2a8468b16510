"""What the two import commands share: their options, known-wrong submissions, and the printed report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from catalog.importers.common import (
    Conversion,
    ImporterError,
    WrongSolution,
    new_notebook,
    submission_notebook,
)
from catalog.importers.writer import WrittenExercise, write_exercise


def add_common_arguments(parser: CommandParser) -> None:
    parser.add_argument("--slug", required=True, help="GROUP/NAME: a roadmap phase and a name, or (--unlisted) a course's folder")
    parser.add_argument("--wrong", nargs="+", default=[], metavar="SUBMISSION",
                        help="real submissions that score below full marks (.ipynb or .zip): kept as known-wrong solutions")
    parser.add_argument("--title", default=None, help="the exercise's title (default: the notebook's first heading)")
    parser.add_argument("--unlisted", action="store_true", help="a course's own exercise, on no roadmap page")
    parser.add_argument("--order", type=int, default=1, help="position within its phase or group (default 1)")
    parser.add_argument("--out-exercises", type=Path, default=None, help="default: GRADIENT_EXERCISES_DIR (exercises/)")
    parser.add_argument("--out-graders", type=Path, default=None, help="default: GRADIENT_GRADERS_DIR (graders/)")
    parser.add_argument("--force", action="store_true", help="replace the exercise's folders if they exist")


def roots(options: dict[str, Any]) -> tuple[Path, Path]:
    return (
        Path(options["out_exercises"] or settings.GRADIENT_EXERCISES_DIR),
        Path(options["out_graders"] or settings.GRADIENT_GRADERS_DIR),
    )


def wrong_name(path: Path, taken: set[str], avoid: set[str]) -> str:
    """A folder name for a known-wrong submission: its file's stem, or (where that is the assignment's own
    notebook name, as in nbgrader's submitted/<student>/<assignment>/problem1.ipynb) the student's folder."""
    candidates = [path.stem] + [p.name for p in path.parents[:3]]
    for candidate in candidates:
        name = re.sub(r"[^a-z0-9]+", "-", candidate.lower()).strip("-")
        if name and name not in avoid and name not in taken:
            return name
    base, n = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "wrong", 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def add_wrong(conversion: Conversion, paths: list[Path], *, avoid: set[str]) -> None:
    for path in paths:
        notebook = submission_notebook(path)
        name = wrong_name(path, {w.name for w in conversion.wrong}, avoid)
        conversion.wrong.append(WrongSolution(
            name, new_notebook(notebook.cells, None),
            f"A real submission ({path.name}) that {conversion.tool} did not give full marks.",
        ))


def write(conversion: Conversion, slug: str, options: dict[str, Any]) -> WrittenExercise:
    exercises_root, graders_root = roots(options)
    if options.get("title"):
        conversion.retitle(options["title"])
    return write_exercise(
        conversion, slug, exercises_root=exercises_root, graders_root=graders_root,
        unlisted=options["unlisted"], order=options["order"], force=options["force"],
    )


def summary(written: WrittenExercise, conversion: Conversion) -> str:
    lines = [
        f"{written.slug}: {len(conversion.questions)} question(s), {len(conversion.tests)} test(s), {_fmt(written.points)} point(s)",
        f"  exercise: {written.exercise_dir}",
        f"  grader:   {written.grader_dir} (STAFF_NOTES.md lists what was not converted)",
    ]
    for item in conversion.staff:
        points = f" ({_fmt(item.points)} point(s))" if item.points is not None else ""
        lines.append(f"  not converted: {item.name}{points}: {item.what}")
    lines.extend(f"  note: {note}" for note in dict.fromkeys(conversion.notes))
    lines.append(f"  next: manage.py check_exercises {written.slug}")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


__all__ = ["ImporterError", "add_common_arguments", "add_wrong", "summary", "write"]
