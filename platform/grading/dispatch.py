"""Sending runs to the workers. The task goes by its name, so the web processes never import worker code,
and each send is recorded on the run: the sweeper re-sends a queued run only when its last send is old."""

from __future__ import annotations

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import ExerciseVersion, GraderSnapshot
from grading.models import GradingRun

GRADE_TASK = "grading.run"  # grading.tasks.grade_run


def queue_for(version: ExerciseVersion) -> str:
    """The queue a run of this grader version waits in: "gpu" for GPU exercises; "cpu-long" for images whose
    runs take seconds (settings.GRADING_LONG_QUEUE_IMAGES: torch, scikit-learn...), so that a burst of them
    cannot hold up the sub-second ones; "cpu" for the rest. Workers choose their queues (README)."""
    snapshot = GraderSnapshot.objects.filter(version=version).only("image", "gpu").first()
    if snapshot is None:  # a version synced before snapshots existed
        return "gpu" if version.exercise.gpu else "cpu"
    if snapshot.gpu:
        return "gpu"
    base = snapshot.image.partition("[")[0]  # a derived image ("ml[tqdm==4.67.1]") runs like its base
    return "cpu-long" if base in settings.GRADING_LONG_QUEUE_IMAGES else "cpu"


def send(run: GradingRun, *, countdown: float | None = None) -> None:
    """Send the run's task now, and record when (once the broker took it: a send that failed must not make
    the run look freshly sent to the sweeper; one never recorded costs at most a harmless second send)."""
    current_app.send_task(
        GRADE_TASK, args=[run.pk], queue=settings.GRADING_QUEUE_PREFIX + run.queue, countdown=countdown
    )
    GradingRun.objects.filter(pk=run.pk).update(sent_at=timezone.now())


def send_on_commit(run: GradingRun, *, countdown: float | None = None) -> None:
    """Send once the current transaction commits (a worker must find the run's rows), through `send` looked up
    at that moment, so tests can replace it."""
    transaction.on_commit(lambda: send(run, countdown=countdown))
