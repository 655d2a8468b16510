"""Reads for the catalog."""

from __future__ import annotations

from collections import OrderedDict

from django.conf import settings
from django.http import Http404

from catalog import support
from catalog.definitions import PHASES
from catalog.models import Exercise, ExerciseVersion, GraderSnapshot
from catalog.sources import SourceError, find_exercise_dir, sources_from_settings


def exercise_get_active(*, slug: str) -> Exercise:
    exercise = Exercise.objects.filter(slug=slug, active=True).select_related("current_version").first()
    if exercise is None or exercise.current_version is None:
        raise Http404("No such exercise.")
    return exercise


def exercise_get_listed(*, slug: str) -> Exercise:
    """An active exercise of the roadmap: an unlisted one has no page of its own (students reach it through
    an assignment's page), so it is not found here."""
    exercise = exercise_get_active(slug=slug)
    if not exercise.listed:
        raise Http404("No such exercise.")
    return exercise


def exercise_find_open(*, slug: str) -> Exercise | None:
    """The active exercise with this slug, if any (whether it takes submissions now is the intake's call)."""
    return Exercise.objects.filter(slug=slug, active=True).first()


def roadmap() -> OrderedDict[str, tuple[str, list[Exercise]]]:
    """Phase slug -> (phase title, its active listed exercises in order), in roadmap order."""
    phases: OrderedDict[str, tuple[str, list[Exercise]]] = OrderedDict(
        (slug, (title, [])) for slug, title in PHASES.items()
    )
    for exercise in Exercise.objects.filter(active=True, listed=True).order_by("order", "slug"):
        if exercise.phase in phases:
            phases[exercise.phase][1].append(exercise)
    return phases


def version_support_sizes(version: ExerciseVersion | None) -> dict[str, int]:
    """The support files a version hands the student's code: name -> bytes (none for a version without a
    snapshot: those were all made before support files existed)."""
    if version is None:
        return {}
    sizes = GraderSnapshot.objects.filter(version=version).values_list("support_sizes", flat=True).first()
    return dict(sorted((sizes or {}).items()))


def version_support_files(version: ExerciseVersion | None) -> dict[str, bytes]:
    """The support files of a version, as stored with its snapshot."""
    if version is None:
        return {}
    archive = GraderSnapshot.objects.filter(version=version).values_list("support_files", flat=True).first()
    return support.unpack(bytes(archive)) if archive else {}


def version_support_file(version: ExerciseVersion | None, name: str) -> bytes:
    """One support file of a version, or 404."""
    if name not in version_support_sizes(version):
        raise Http404("This exercise has no such file.")
    return version_support_files(version)[name]


def version_statement(version: ExerciseVersion | None, exercise: Exercise) -> str:
    """The statement (Markdown) students of ``version`` read: the one stored with it, or for a version stored
    before statements were kept, the exercise's current one."""
    if version is not None:
        stored = GraderSnapshot.objects.filter(version=version, learner_files_at__isnull=False).values_list(
            "statement_md", flat=True
        ).first()
        if stored is not None:
            return stored
    return exercise.statement_md


def version_learner_files(version: ExerciseVersion | None, exercise: Exercise) -> dict[str, bytes]:
    """The starter files and public tests ("public_tests/...") students of ``version`` download: those stored
    with it, or for a version stored before they were kept, the exercise's folder as it is now."""
    if version is not None:
        row = GraderSnapshot.objects.filter(version=version, learner_files_at__isnull=False).values_list(
            "starter_files", flat=True
        ).first()
        if row is not None:
            return support.unpack(bytes(row))
    try:
        exercise_dir = find_exercise_dir(sources_from_settings(settings), exercise.slug)
    except SourceError:
        return {}
    return support.read_learner_files(exercise_dir) if exercise_dir else {}
