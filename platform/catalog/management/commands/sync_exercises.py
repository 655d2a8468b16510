"""python manage.py sync_exercises [--no-fetch]: fetch the configured exercise repositories, then load every
source's exercises and graders into the database (catalog.sources, catalog.services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.definitions import ExerciseDefinitionError
from catalog.services import exercises_sync
from catalog.sources import GitSource, fetch


def fetch_repositories(write: Callable[[str], None]) -> None:
    """Fetch each repository of GRADIENT_EXERCISE_REPOS into GRADIENT_EXERCISE_CACHE_DIR (an operator's
    command does this; workers never do)."""
    for url, ref in settings.GRADIENT_EXERCISE_REPOS:
        repo = GitSource(url, ref)
        try:
            commit = fetch(repo, settings.GRADIENT_EXERCISE_CACHE_DIR)
        except ExerciseDefinitionError as exc:
            raise CommandError(str(exc)) from exc
        write(f"{'fetched':>20}: {repo.shown} {repo.ref} at {commit[:12]}")


class Command(BaseCommand):
    help = (
        "Fetch the exercise repositories named in GRADIENT_EXERCISE_REPOS, then load the exercise files of every "
        "source into the database; a changed grader or support file becomes a new exercise version, with its "
        "files and settings stored so that assignments pinned to it keep grading the same."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-fetch", action="store_true", help="use the repositories' clones as they are (no network)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_fetch"]:
            fetch_repositories(self.stdout.write)
        try:
            report = exercises_sync()
        except ExerciseDefinitionError as exc:
            raise CommandError(str(exc)) from exc
        for label, slugs in (
            ("created", report.created),
            ("new grader version", report.new_versions),
            ("grader files stored", report.snapshotted),
            ("unchanged", report.unchanged),
            ("deactivated", report.deactivated),
        ):
            for slug in slugs:
                self.stdout.write(f"{label:>20}: {slug}")
        for image in report.derived_images:
            self.stdout.write(f"{'derived image':>20}: {image}")
        if report.derived_images:
            # Workers never build images, and this command may run where no Docker engine is (deploy/: web).
            self.stdout.write("build the derived images where the workers run: python manage.py build_images")
        total = len(report.created) + len(report.new_versions) + len(report.unchanged)
        self.stdout.write(self.style.SUCCESS(f"{total} exercise(s) in sync"))
