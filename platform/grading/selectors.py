"""Reads for grading, with the permission check built in where a person asks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.http import Http404

from grading.grader_versions import grader_spec_for
from grading.jobs import build_job_from_spec
from grading.models import ExerciseBest, GradingRun, Submission, SubmissionFile
from sandbox import GradingJob
from sandbox.submission import LoadedSubmission


def submissions_visible_to(user) -> QuerySet[Submission]:  # type: ignore[no-untyped-def]
    """Staff see every submission; a student only their own."""
    qs = Submission.objects.select_related("exercise", "student")
    return qs if user.is_staff else qs.filter(student=user)


def submission_get_for_user(*, user, submission_id: int) -> Submission:  # type: ignore[no-untyped-def]
    submission = submissions_visible_to(user).filter(pk=submission_id).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


def queue_position(run: GradingRun) -> int:
    """1 for the next run a free grader takes: the queued runs of its queue created before it, plus one."""
    return GradingRun.objects.filter(status="queued", queue=run.queue, pk__lt=run.pk).count() + 1


def latest_run(submission: Submission) -> GradingRun | None:
    return submission.runs.order_by("-created_at", "-id").first()


def run_name_for(run_id: int) -> str:
    """Containers and work folders are named after the run, not the delivery, so a retry removes what a
    killed worker left behind; the database's name keeps two installations on one engine apart."""
    database = Path(str(connection.settings_dict["NAME"])).stem
    return f"{re.sub(r'[^a-z0-9_.-]', '-', database.lower())[:30]}-run{run_id}"


def job_for_run(run_id: int) -> GradingJob:
    """The run's job, graded with the run's exercise version (its assignment's pinned one, or the version a
    regrade chose), never simply with whatever graders/ holds now. Raises GraderVersionUnavailable when that
    version's grader cannot be had (the task records it as an infrastructure error)."""
    run = GradingRun.objects.select_related("submission", "exercise_version__exercise").get(pk=run_id)
    submission = run.submission
    spec = grader_spec_for(run.exercise_version)
    files = {f.name: bytes(f.content) for f in SubmissionFile.objects.filter(submission=submission)}
    loaded = LoadedSubmission(files=files, notes=list(submission.notes))
    return build_job_from_spec(
        spec,
        loaded,
        run_name=run_name_for(run.pk),
        default_limits=settings.SANDBOX_DEFAULT_LIMITS,
        gpu_available=settings.SANDBOX_GPU,
        grader_secret=settings.GRADER_SECRET,
    )


@dataclass
class RoadmapRank:
    rank: int
    name: str
    total: float
    mastered: int
    is_me: bool


def roadmap_leaderboard(*, viewer, limit: int = 50) -> list[RoadmapRank]:  # type: ignore[no-untyped-def]
    """Everyone's best scores summed over the roadmap: one grouped read of the ExerciseBest rows."""
    from courses.selectors import public_names

    rows = (
        ExerciseBest.objects.filter(exercise__active=True)
        .values("student_id")
        .annotate(
            total=Sum("best_score"),
            mastered=Count("pk", filter=Q(best_score__gte=F("max_score"), max_score__gt=0)),
            last=Max("achieved_at"),
        )
        .order_by("-total", "last", "student_id")[:limit]
    )
    ranked = list(rows)
    names = public_names([row["student_id"] for row in ranked])
    return [
        RoadmapRank(index, names[row["student_id"]], row["total"], row["mastered"], row["student_id"] == viewer.pk)
        for index, row in enumerate(ranked, start=1)
    ]
