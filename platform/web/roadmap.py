"""Pages of the roadmap, of one exercise (with its submit form and downloads) and of the roadmap's leaderboard."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe

from catalog.models import Exercise, ExerciseVersion
from catalog.selectors import (
    exercise_get_active,
    exercise_get_listed,
    roadmap,
    version_learner_files,
    version_statement,
    version_support_file,
    version_support_files,
    version_support_sizes,
)
from core.users import SignedInRequest
from courses.selectors import exercise_reachable_by
from grading.selectors import exercise_bests, roadmap_leaderboard, submissions_visible_to
from web import plots
from web.statements import render_statement


@login_required
def roadmap_view(request: SignedInRequest) -> HttpResponse:
    best = exercise_bests(request.user.pk)
    phases: list[dict[str, Any]] = []
    skills: dict[str, list[bool]] = {}
    for slug, (title, exercises) in roadmap().items():
        rows = [(e, best.get(e.pk)) for e in exercises]
        done = sum(1 for e, score in rows if score is not None and score >= e.points > 0)
        phases.append({"slug": slug, "title": title, "rows": rows, "done": done, "total": len(rows)})
        for exercise, score in rows:
            for skill in exercise.skills:
                skills.setdefault(skill, []).append(score is not None and score >= exercise.points > 0)
    # The picture: phases mastered as bars, and each skill marked once every exercise teaching it is mastered.
    chart = plots.progress_svg([(p["title"], p["done"], p["total"]) for p in phases], title="Phases mastered")
    skill_rows = sorted(((name, all(marks), sum(marks), len(marks)) for name, marks in skills.items()),
                        key=lambda row: (not row[1], -row[2], row[0]))
    context = {
        "phases": phases,
        "chart": mark_safe(chart),  # noqa: S308 - built by web.plots, which escapes every label
        "skills": skill_rows,
        "skills_mastered": sum(1 for row in skill_rows if row[1]),
    }
    return render(request, "catalog/roadmap.html", context)


@login_required
def exercise_view(request: SignedInRequest, slug: str) -> HttpResponse:
    return render_exercise(request, exercise_get_listed(slug=slug))


def statement_html(exercise: Exercise, version: ExerciseVersion | None = None) -> SafeString:
    """The statement students of ``version`` read (the exercise's current version by default): its Markdown
    rendered, then sanitised (web.statements): statements come from sources and importers this site does not
    control, so raw HTML, scripts and `javascript:` links never pass."""
    markdown = version_statement(version or exercise.current_version, exercise)
    return mark_safe(render_statement(markdown))  # noqa: S308 - sanitised by nh3


def render_exercise(request: SignedInRequest, exercise: Exercise, *, error: str = "", status: int = 200) -> HttpResponse:
    statement = statement_html(exercise)
    submissions = submissions_visible_to(request.user).filter(exercise=exercise, student=request.user)[:20]
    return render(
        request,
        "catalog/exercise.html",
        {
            "exercise": exercise,
            "statement": statement,
            "submissions": submissions,
            "error": error,
            "support_files": version_support_sizes(exercise.current_version),
        },
        status=status,
    )


def _exercise_for_download(request: SignedInRequest, slug: str) -> Exercise:
    """The exercise whose files the user may download: a roadmap exercise, or an unlisted one of an assignment
    of the user's cohorts (staff: any)."""
    exercise = exercise_get_active(slug=slug)
    if not exercise_reachable_by(user=request.user, exercise=exercise):
        raise Http404("No such exercise.")
    return exercise


def support_file_response(version: ExerciseVersion | None, name: str) -> FileResponse:
    """One of the version's support files, as a download."""
    content = version_support_file(version, name)
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=PurePosixPath(name).name)


@login_required
def support_file_view(request: SignedInRequest, slug: str, name: str) -> FileResponse:
    """A support file of the exercise's current version (what practice runs with)."""
    exercise = _exercise_for_download(request, slug)
    return support_file_response(exercise.current_version, name)


@login_required
def starter_view(request: SignedInRequest, slug: str) -> FileResponse:
    """The starter of the exercise's current version (what practice grades with)."""
    exercise = _exercise_for_download(request, slug)
    return starter_response(exercise, exercise.current_version)


def starter_response(exercise: Exercise, version: ExerciseVersion | None) -> FileResponse:
    """The starter files, the support files and the public tests of ``version``, laid out as in the grading
    box (so the code finds its files and `pytest public_tests/` runs beside them); one file as itself."""
    files = version_learner_files(version, exercise)
    support = version_support_files(version)
    starter = {name: content for name, content in files.items() if not name.startswith("public_tests/")}
    if not starter:
        raise Http404("This exercise has no starter files.")
    if len(files) == 1 and not support:
        (name, content), = files.items()
        return FileResponse(io.BytesIO(content), as_attachment=True, filename=PurePosixPath(name).name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in {**files, **support}.items():  # the exercise's support copy is the one used
            archive.writestr(name, content)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"{exercise.slug.split('/')[-1]}-starter.zip")


@login_required
def roadmap_leaderboard_view(request: SignedInRequest) -> HttpResponse:
    return render(request, "catalog/leaderboard.html", {"rows": roadmap_leaderboard(viewer=request.user)})
