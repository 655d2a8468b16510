"""python manage.py import_nbgrader PATH --slug GROUP/NAME [--wrong SUBMISSION ...]

Converts nbgrader source notebooks into exercises and their hidden graders (catalog.importers.nbgrader).
PATH is one source notebook (one exercise, GROUP/NAME) or an assignment's source folder (source/ps1: one
exercise per notebook with automatically graded cells, GROUP/NAME-<notebook>). --wrong takes submitted
notebooks, or submission folders (submitted/<student>/ps1), matched to the exercises by file name. Writes
exercises/ and graders/ (with STAFF_NOTES.md) and prints what it did. Nothing from the input is run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.importers import ImporterError, convert_nbgrader, convert_nbgrader_folder
from catalog.importers.command import add_common_arguments, add_wrong, summary, write


class Command(BaseCommand):
    help = "Import nbgrader source notebooks (one notebook or an assignment folder) as exercises."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a source notebook (.ipynb) or an assignment's source folder")
        add_common_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        wrong = [Path(p) for p in options["wrong"]]
        try:
            if path.is_dir():
                results = convert_nbgrader_folder(path)
                slugs = {stem: f"{options['slug']}-{stem.lower().replace('_', '-')}" for stem, _, _ in results}
            else:
                results = [(path.stem, convert_nbgrader(path), "")]
                slugs = {path.stem: options["slug"]}
            written_any = False
            for stem, conversion, why in results:
                if conversion is None:
                    self.stdout.write(f"{path.name}/{stem}.ipynb: not imported: {why}")
                    continue
                add_wrong(conversion, _submissions_for(stem, wrong, single=not path.is_dir()),
                          avoid={stem.lower(), path.parent.name.lower() if not path.is_dir() else path.name.lower()})
                each = dict(options, title=f"{options['title']}: {stem}") if options["title"] and path.is_dir() else options
                written = write(conversion, slugs[stem], each)
                self.stdout.write(summary(written, conversion))
                written_any = True
        except (ImporterError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if not written_any:
            raise CommandError("no notebook had automatically graded cells: nothing was imported")


def _submissions_for(stem: str, paths: list[Path], *, single: bool) -> list[Path]:
    """The submitted notebooks of one source notebook: in a folder, the notebook of the same name; a file,
    when one notebook is imported, or when it has that name."""
    found = []
    for path in paths:
        if path.is_dir():
            candidate = path / f"{stem}.ipynb"
            if candidate.is_file():
                found.append(candidate)
        elif single or path.stem == stem:
            found.append(path)
    return found
