"""The grader a run is graded with: the files and settings of the run's exercise version, on this machine.

A version's snapshot (stored by `sync_exercises`) is unpacked once per worker into a folder named after its
digest under SANDBOX_WORK_DIR/graders/ (settings.SANDBOX.work_dir), so an assignment pinned to an old version keeps its old tests after
graders/ changes. A version synced before snapshots existed has none: it is graded from the files on disk
only while they still hash to that version; otherwise nobody can know its tests any more, and the run ends
as an infrastructure error that says so.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from catalog import snapshots
from catalog.definitions import ExerciseDefinitionError, resolve
from catalog.jobs import GraderSpec
from catalog.models import ExerciseVersion, GraderSnapshot


class GraderVersionUnavailable(Exception):
    """This version's grader cannot be had on this machine; the message says why, for the run's messages."""


def grader_cache_root() -> Path:
    return settings.SANDBOX.work_dir / "graders"


def grader_spec_for(version: ExerciseVersion) -> GraderSpec:
    snapshot = GraderSnapshot.objects.filter(version=version).first()
    if snapshot is None:
        return _spec_from_disk(version)
    try:
        folder = snapshots.materialise(bytes(snapshot.files), snapshot.files_sha256, grader_cache_root())
    except snapshots.SnapshotError as exc:
        raise GraderVersionUnavailable(f"The stored grader of {version} cannot be used: {exc}.") from exc
    return GraderSpec(
        image=snapshot.image,
        module=snapshot.module,
        gpu=snapshot.gpu,
        limits=dict(snapshot.limits),
        declared_tests=dict(version.declared_tests),
        grader_dir=folder,
    )


def _spec_from_disk(version: ExerciseVersion) -> GraderSpec:
    slug = version.exercise.slug
    try:
        definition = resolve(slug, settings.GRADIENT_EXERCISES_DIR, settings.GRADIENT_GRADERS_DIR)
        on_disk = definition.grader_hash
    except (ExerciseDefinitionError, OSError) as exc:
        raise GraderVersionUnavailable(
            f"Grader version {version.short_hash} of {slug} was synced before grader files were stored, and "
            f"the files on disk cannot be read ({exc})."
        ) from exc
    if on_disk != version.grader_hash:
        raise GraderVersionUnavailable(
            f"Grader version {version.short_hash} of {slug} was synced before grader files were stored, and "
            f"graders/{slug} now holds another version ({on_disk[:8]}). Staff: regrade with the current "
            "version (manage.py regrade --assignment ID) or pin the assignment to it in the admin."
        )
    return GraderSpec.from_definition(definition)
