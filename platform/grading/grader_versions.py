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

from catalog import snapshots, support
from catalog.definitions import ExerciseDefinitionError
from catalog.jobs import GraderSpec
from catalog.models import ExerciseVersion, GraderSnapshot
from catalog.sources import resolve_in, sources_from_settings


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
        support_files = support.unpack(bytes(snapshot.support_files))
    except (snapshots.SnapshotError, support.SupportError) as exc:
        raise GraderVersionUnavailable(f"The stored grader of {version} cannot be used: {exc}.") from exc
    return GraderSpec(
        image=snapshot.image,
        module=snapshot.module,
        gpu=snapshot.gpu,
        limits=dict(snapshot.limits),
        declared_tests=version.manifest,
        grader_dir=folder,
        support_files=support_files,
    )


def _spec_from_disk(version: ExerciseVersion) -> GraderSpec:
    slug = version.exercise.slug
    try:
        definition = resolve_in(sources_from_settings(settings), slug)
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
