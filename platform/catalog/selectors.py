"""Reads for the catalog."""

from __future__ import annotations

from collections import OrderedDict

from django.http import Http404

from catalog.definitions import PHASES
from catalog.models import Exercise


def exercise_get_active(*, slug: str) -> Exercise:
    exercise = Exercise.objects.filter(slug=slug, active=True).select_related("current_version").first()
    if exercise is None or exercise.current_version is None:
        raise Http404("No such exercise.")
    return exercise


def exercise_find_open(*, slug: str) -> Exercise | None:
    """The active exercise with this slug, if any (whether it takes submissions now is the intake's call)."""
    return Exercise.objects.filter(slug=slug, active=True).first()


def roadmap() -> OrderedDict[str, tuple[str, list[Exercise]]]:
    """Phase slug -> (phase title, its active exercises in order), in roadmap order."""
    phases: OrderedDict[str, tuple[str, list[Exercise]]] = OrderedDict(
        (slug, (title, [])) for slug, title in PHASES.items()
    )
    for exercise in Exercise.objects.filter(active=True).order_by("order", "slug"):
        if exercise.phase in phases:
            phases[exercise.phase][1].append(exercise)
    return phases
