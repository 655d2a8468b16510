"""python manage.py check_exercises [SLUG ...] [--jobs N] [--runs N] [--fetch]

Checks every exercise of every source (ours, GRADIENT_EXERCISE_SOURCES, the fetched GRADIENT_EXERCISE_REPOS),
or the named ones, in the real sandbox and prints a table; exits non-zero on any failure. No database
needed. See catalog/checks.py for what is checked.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.checks import ExerciseCheck, check_all
from catalog.definitions import ExerciseDefinitionError
from catalog.management.commands.sync_exercises import fetch_repositories
from catalog.sources import discover_all, resolve_in, sources_from_settings
from sandbox import SandboxUnavailable, ensure_images


class Command(BaseCommand):
    help = "Check that each exercise's grader is honest: reference full marks, starter and wrong solutions less."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="exercises to check (default: all)")
        parser.add_argument("--jobs", type=int, default=2, help="exercises checked in parallel (default 2)")
        parser.add_argument("--runs", type=int, default=3, help="reference runs that must agree (default 3)")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")
        parser.add_argument("--fetch", action="store_true", help="fetch GRADIENT_EXERCISE_REPOS first")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fetch"]:
            fetch_repositories(self.stderr.write)  # stdout may be the JSON
        sources = sources_from_settings(settings)
        try:
            definitions = (
                [resolve_in(sources, slug) for slug in options["slugs"]]
                if options["slugs"]
                else discover_all(sources)
            )
        except ExerciseDefinitionError as exc:
            raise CommandError(str(exc)) from exc
        started = time.monotonic()

        def progress(check: ExerciseCheck) -> None:
            if not options["json"]:
                mark = self.style.SUCCESS("ok  ") if check.ok else self.style.ERROR("FAIL")
                self.stderr.write(f"{mark} {check.slug} ({check.seconds:.1f} s)")

        try:
            # An operator's command may build missing images (a worker never does); progress on stderr.
            ensure_images(sorted({d.image for d in definitions}), config=settings.SANDBOX,
                          log=lambda line: self.stderr.write(line))
            results = check_all(
                definitions, defaults=settings.SANDBOX_DEFAULT_LIMITS, jobs=options["jobs"], runs=options["runs"],
                on_done=progress,
            )
        except SandboxUnavailable as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps([r.__dict__ | {"ok": r.ok} for r in results], indent=2))
        else:
            self.stdout.write(table(results))
            self.stdout.write(f"\n{sum(r.ok for r in results)}/{len(results)} exercises pass "
                              f"({time.monotonic() - started:.0f} s)")
        failed = [r.slug for r in results if not r.ok]
        if failed:
            raise CommandError(f"{len(failed)} exercise(s) failed: {', '.join(failed)}")


def table(results: list[ExerciseCheck]) -> str:
    rows = [("exercise", "reference", "starter", "wrong solutions (score, caught by)", "runs agree", "seeds", "reference run", "time", "result")]
    for r in results:
        rows.append((
            r.slug, r.reference, r.starter, "; ".join(r.wrong) or "-", "yes" if r.deterministic else "NO",
            str(r.seeds), f"{r.reference_seconds:.1f}s", f"{r.seconds:.1f}s", "ok" if r.ok else "FAIL: " + "; ".join(r.problems)[:300],
        ))
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("---" for _ in rows[0]) + "|")
    return "\n".join(lines)
