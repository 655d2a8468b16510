"""python manage.py build_images [--stored]

Builds, where missing, the sandbox images that the exercises of every source (ours, GRADIENT_EXERCISE_SOURCES,
the fetched GRADIENT_EXERCISE_REPOS) grade in: their base images ("python", "ml") and the derived ones, a base
plus an exercise's pinned `requirements` ("python[tqdm==4.67.1]", sandbox/README.md "Images"). Workers never
build an image, so set-up (scripts/run, scripts/test) and deployment run this on each host whose Docker engine
runs sandboxes. No database needed; `--stored` adds the images named by the grader versions stored in the
database, so that an assignment pinned to an older version keeps the packages it was graded with.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.definitions import ExerciseDefinitionError
from catalog.sources import discover_all, sources_from_settings
from sandbox import SandboxUnavailable, ensure_images


class Command(BaseCommand):
    help = "Build the sandbox images the exercises need (base images and derived ones with requirements)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stored", action="store_true",
            help="also the images of every grader version stored in the database (pinned older versions)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            names = {definition.image for definition in discover_all(sources_from_settings(settings))}
        except ExerciseDefinitionError as exc:
            raise CommandError(str(exc)) from exc
        if options["stored"]:
            from catalog.models import GraderSnapshot

            names |= set(GraderSnapshot.objects.values_list("image", flat=True).distinct())
        # Bases first: each derived image is built on top of one.
        ordered = sorted(names, key=lambda name: ("[" in name, name))
        failed = []
        for name in ordered:
            try:
                tag = ensure_images([name], config=settings.SANDBOX, log=self.stderr.write)[name]
            except SandboxUnavailable as exc:
                failed.append(name)
                self.stderr.write(self.style.ERROR(f"{name}: {exc}"))
                if not exc.retryable and "[" in name:
                    continue  # this image's requirements are refused: the others may still be built
                break  # no engine, or a base image that cannot be built: the rest cannot be either
            self.stdout.write(f"{name}: {tag}")
        if failed:
            raise CommandError(f"{len(failed)} image(s) not built: {', '.join(failed)}")
