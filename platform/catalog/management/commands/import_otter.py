"""python manage.py import_otter PATH --slug GROUP/NAME [--notebook NB] [--reference NB] [--wrong SUB ...]

Converts an Otter-Grader assignment into an exercise and its hidden grader (catalog.importers.otter): PATH is
an assign-format master notebook, an autograder zip, or a folder of Otter test files (with --notebook, or
the one notebook beside them). Writes exercises/GROUP/NAME/ and graders/GROUP/NAME/ (with STAFF_NOTES.md:
what was not converted) and prints what it did. Nothing from the input is run or unpickled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.importers import ImporterError, convert_otter
from catalog.importers.command import add_common_arguments, add_wrong, summary, write


class Command(BaseCommand):
    help = "Import an Otter-Grader assignment (master notebook, autograder zip or test folder) as an exercise."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="master notebook (.ipynb), autograder zip, or folder of test files")
        parser.add_argument("--notebook", type=Path, default=None,
                            help="with a zip or folder: the assignment's notebook (autograder or student version)")
        parser.add_argument("--reference", type=Path, default=None,
                            help="a solution notebook, where --notebook is the student's version")
        add_common_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            notebook, reference = (Path(options[k]) if options[k] else None for k in ("notebook", "reference"))
            conversion = convert_otter(Path(options["path"]), notebook=notebook, reference=reference)
            add_wrong(conversion, [Path(p) for p in options["wrong"]], avoid=set())
            written = write(conversion, options["slug"], options)
        except (ImporterError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary(written, conversion))
