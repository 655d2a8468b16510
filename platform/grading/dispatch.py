"""Sending runs to the workers. The task goes by its name, so the web processes never import worker code,
and each send is recorded on the run: the sweeper re-sends a queued run only when its last send is old.

The fair queue: a student has at most one run waiting in the broker's queue. A new submission while one of
theirs waits is *held* (``GradingRun.held``) and sent when that one starts (``release_next``, called when a
worker claims a run and when a run ends), so a burst from one student waits behind everyone else's first
submissions instead of in front of them. Regrades are staff's and are sent as they come."""

from __future__ import annotations

from celery import current_app
from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import ExerciseVersion, GraderSnapshot
from grading.models import GradingRun, RunStatus

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


def admit_on_commit(run: GradingRun) -> None:
    """A student's new run: sent once the transaction commits, unless the fair queue holds it (``admit``).
    Robust: the submission is stored by then, so a failed admission (the broker away) is logged, never a 500
    that would make the student submit again; the sweeper sends the held run later."""
    transaction.on_commit(lambda: admit(run.pk), robust=True)


def waiting(student_id: int, queue: str) -> models.QuerySet[GradingRun]:
    """The student's runs in one of the broker's queues (sent, or due to be sent, and not started); regrades
    aside. Per queue: a run waiting behind a GPU backlog must not hold the student's CPU submissions."""
    return GradingRun.objects.filter(
        submission__student_id=student_id, queue=queue, is_regrade=False, status=RunStatus.QUEUED, held=False
    )


def held(student_id: int | OuterRef, queue: str | OuterRef) -> models.QuerySet[GradingRun]:
    return GradingRun.objects.filter(
        submission__student_id=student_id, queue=queue, is_regrade=False, status=RunStatus.QUEUED, held=True
    ).order_by("created_at", "pk")


def _lock_student(student_id: int) -> None:
    """One admission decision at a time per student (two submissions at once must not both go first)."""
    from django.contrib.auth import get_user_model

    list(get_user_model().objects.select_for_update().filter(pk=student_id).values_list("pk", flat=True))


def admit(run_id: int) -> bool:
    """Send a new run now (True), or leave it held while an earlier run of the same student's waits or is held
    (False). A run is created held (grading.intake), so until this decides it never counts as waiting: had it
    counted, a release between its commit and this call would find "one waiting", send nothing, and leave the
    student's held runs for the sweeper."""
    student_id = GradingRun.objects.filter(pk=run_id).values_list("submission__student_id", flat=True).first()
    if student_id is None:
        return False
    with transaction.atomic():
        _lock_student(student_id)
        # Read again under the lock: a release may already have sent it (it was the student's oldest held).
        run = GradingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED, held=True).first()
        if run is None:
            return False
        # Only EARLIER runs hold this one: two submissions committed before either was admitted must not
        # each see the other and both stay held.
        ahead = (
            waiting(student_id, run.queue).filter(pk__lt=run.pk).exists()
            or held(student_id, run.queue).filter(pk__lt=run.pk).exists()
        )
        if ahead:
            return False
        GradingRun.objects.filter(pk=run.pk).update(held=False)
    send(run)
    return True


def release_next(student_id: int, queue: str) -> GradingRun | None:
    """Send the student's oldest held run of a queue if none of theirs waits in it any more; None if nothing was."""
    with transaction.atomic():
        _lock_student(student_id)
        # With the fair queue turned off since the run was held, new runs are sent as they come and one may
        # always be waiting: the held run must not wait behind all of them.
        if settings.GRADING_FAIR_QUEUE and waiting(student_id, queue).exists():
            return None
        following = held(student_id, queue).first()
        if following is None:
            return None
        GradingRun.objects.filter(pk=following.pk).update(held=False)
    send(following)
    return following


def release_after(run_id: int) -> None:
    """The run started or ended: its student's next held run may go (after the current transaction)."""
    transaction.on_commit(lambda: _release_held_after(run_id))


def _release_held_after(run_id: int) -> None:
    """One query when the student holds nothing back (nearly always), instead of release_next's five. Asked
    after the commit, so a run held meanwhile is either seen here or admitted by its own ``admit``, which
    then finds this run no longer waiting."""
    others_held = held(OuterRef("submission__student_id"), OuterRef("queue"))
    found = (
        GradingRun.objects.filter(pk=run_id).annotate(any_held=Exists(others_held))
        .values_list("submission__student_id", "queue", "any_held").first()
    )
    if found is not None and found[2]:
        release_next(found[0], found[1])
