"""python manage.py sync_exercises: load exercises/ and graders/ into the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalog.definitions import ExerciseDefinitionError
from catalog.services import exercises_sync


class Command(BaseCommand):
    help = (
        "Load the exercise files into the database; a changed grader becomes a new exercise version, with its "
        "test files, data and settings stored so that assignments pinned to it keep grading the same."
    )

    def handle(self, *args: Any, **options: Any) -> None:
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
        total = len(report.created) + len(report.new_versions) + len(report.unchanged)
        self.stdout.write(self.style.SUCCESS(f"{total} exercise(s) in sync"))
