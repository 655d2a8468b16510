"""Writes for the catalog: load the exercise files into the database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog import snapshots, support
from catalog.definitions import ExerciseDefinition, ExerciseDefinitionError
from catalog.models import Exercise, ExerciseVersion, GraderSnapshot
from catalog.sources import discover_all, sources_from_settings
from sandbox import Manifest


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    snapshotted: list[str] = field(default_factory=list)  # older versions whose files were stored now
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    # Derived images (a base plus an exercise's requirements) the synced exercises grade in: workers never build
    # them, so `manage.py build_images` must run where the workers run (README, "Set-up").
    derived_images: list[str] = field(default_factory=list)


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
            "points": declared.max_score,
            "gpu": definition.gpu,
            "notebook": definition.notebook,
            "leaderboard_metric": definition.leaderboard_metric,
            "leaderboard_direction": definition.leaderboard_direction,
            "active": True,
            "listed": definition.listed,
        },
    )
    version, version_created = _version_for(exercise, definition, declared)
    if not hasattr(version, "snapshot"):
        # A new version, or one synced before snapshots existed: its hash matches the files on disk, so these
        # are its files.
        version_snapshot_write(version=version, definition=definition)
        if not version_created:
            report.snapshotted.append(definition.slug)
    else:
        version_learner_files_write(snapshot=version.snapshot, definition=definition)
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


def _version_for(
    exercise: Exercise, definition: ExerciseDefinition, declared: Manifest
) -> tuple[ExerciseVersion, bool]:
    """The version these files and settings make, and whether it is new. A version is named by the grader
    hash (test files, data, limits, support files). The module, image (requirements included: a derived image
    is named "python[tqdm==4.67.1]") and gpu flag also decide grading but are not in that hash (adding them
    would turn every existing version into a new one), so a change of only those makes a version named by the
    hash plus a digest of the settings; the plain hash stays with the version that had it first."""
    wanted = definition.grading_settings
    candidates = (
        ExerciseVersion.objects.filter(exercise=exercise, grader_hash__startswith=definition.grader_hash)
        .select_related("snapshot")
        .order_by("pk")
    )
    for candidate in candidates:
        # A version without a snapshot was graded from the files on disk, settings included: it matches.
        if not hasattr(candidate, "snapshot") or candidate.snapshot.grading_settings == wanted:
            return candidate, False
    grader_hash = definition.grader_hash
    if candidates:
        settings_digest = hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()
        grader_hash = f"{grader_hash}-{settings_digest[:8]}"
    version = ExerciseVersion.objects.create(
        exercise=exercise,
        grader_hash=grader_hash,
        declared_tests=declared.to_json(),
        max_score=declared.max_score,
    )
    return version, True


def version_snapshot_write(*, version: ExerciseVersion, definition: ExerciseDefinition) -> GraderSnapshot:
    """Store what grades this version: its files as they are on disk now, and the job's settings, and the
    support files that go into the student's box with it."""
    try:
        archive = snapshots.pack(definition.grader_dir)
    except snapshots.SnapshotError as exc:
        raise ExerciseDefinitionError(str(exc)) from exc
    support_files = definition.support_files
    starter = _packed_learner_files(definition)
    return GraderSnapshot.objects.create(
        version=version,
        files=archive,
        files_sha256=snapshots.digest(archive),
        module=definition.module,
        image=definition.image,
        gpu=definition.gpu,
        limits=dict(definition.limits),
        support_files=support.pack(support_files),
        support_sizes={name: len(content) for name, content in support_files.items()},
        statement_md=definition.statement_md,
        starter_files=starter or b"",
        learner_files_at=timezone.now() if starter is not None else None,
    )


def _packed_learner_files(definition: ExerciseDefinition) -> bytes | None:
    """The starter and public tests (support.read_learner_files) packed for the snapshot row, or None where they break the stored files' rules (names,
    count, size: catalog.support): the pages then read them from the exercise's folder, as before."""
    try:
        packed = support.pack(support.read_learner_files(definition.exercise_dir))
        support.unpack(packed)  # the same caps the readers apply
    except support.SupportError:
        return None
    return packed


def version_learner_files_write(*, snapshot: GraderSnapshot, definition: ExerciseDefinition) -> None:
    """Amend the statement and starter the version shows when only they changed (no new grader version)."""
    starter = _packed_learner_files(definition)
    if starter is None:
        return
    if snapshot.learner_files_at and snapshot.statement_md == definition.statement_md and bytes(snapshot.starter_files) == starter:
        return
    snapshot.statement_md, snapshot.starter_files = definition.statement_md, starter
    snapshot.learner_files_at = timezone.now()
    snapshot.save(update_fields=["statement_md", "starter_files", "learner_files_at"])


@transaction.atomic
def exercises_sync() -> SyncReport:
    """Make the database match exercises/ and graders/ (ours and every configured source's, as fetched last):
    new exercises, new grader versions, removals."""
    report = SyncReport()
    definitions = discover_all(sources_from_settings(settings))
    for definition in definitions:
        exercise_sync_one(definition=definition, report=report)
    report.derived_images = sorted({d.image for d in definitions if d.requirements})
    gone = Exercise.objects.filter(active=True).exclude(slug__in=[d.slug for d in definitions])
    report.deactivated = list(gone.values_list("slug", flat=True))
    gone.update(active=False)
    return report
