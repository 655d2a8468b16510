"""Writes for the catalog: load the exercise files into the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from catalog.definitions import ExerciseDefinition, discover
from catalog.models import Exercise, ExerciseVersion


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


def exercise_sync_one(*, definition: ExerciseDefinition, report: SyncReport) -> Exercise:
    declared = definition.declared_tests
    exercise, created = Exercise.objects.update_or_create(
        slug=definition.slug,
        defaults={
            "phase": definition.phase,
            "order": definition.order,
            "title": definition.title,
            "summary": definition.summary,
            "statement_md": definition.statement_md,
            "skills": list(definition.skills),
            "files": list(definition.files),
            "points": sum(declared.values()),
            "gpu": definition.gpu,
            "notebook": definition.notebook,
            "leaderboard_metric": definition.leaderboard_metric,
            "leaderboard_direction": definition.leaderboard_direction,
            "active": True,
        },
    )
    version, version_created = ExerciseVersion.objects.get_or_create(
        exercise=exercise,
        grader_hash=definition.grader_hash,
        defaults={"declared_tests": declared, "max_score": float(sum(declared.values()))},
    )
    if exercise.current_version_id != version.pk:
        exercise.current_version = version
        exercise.save(update_fields=["current_version"])
    if created:
        report.created.append(definition.slug)
    elif version_created:
        report.new_versions.append(definition.slug)
    else:
        report.unchanged.append(definition.slug)
    return exercise


@transaction.atomic
def exercises_sync() -> SyncReport:
    """Make the database match exercises/ and graders/: new exercises, new grader versions, removals."""
    report = SyncReport()
    definitions = discover(settings.GRADIENT_EXERCISES_DIR, settings.GRADIENT_GRADERS_DIR)
    for definition in definitions:
        exercise_sync_one(definition=definition, report=report)
    gone = Exercise.objects.filter(active=True).exclude(slug__in=[d.slug for d in definitions])
    report.deactivated = list(gone.values_list("slug", flat=True))
    gone.update(active=False)
    return report
