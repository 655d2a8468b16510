"""Writes for grading: create a submission, claim a run, record its result, sweep stuck runs.

Exactly one final result per run comes from PostgreSQL, not from the broker: a delivery claims the run with a
conditional UPDATE that takes a lease, and its result commits only if that lease is still the one in charge.
A redelivered task therefore finds nothing to do, and a worker that died leaves a lease that expires and is
swept back into the queue.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Exercise, ExerciseVersion, GraderSnapshot
from courses.models import Assignment
from courses.services import (
    AssignmentClosed,
    assignment_pin,
    check_can_submit,
    exercise_is_assigned_to,
    leaderboard_record,
)
from grading.models import ExerciseBest, GradingRun, RunStatus, Submission, SubmissionFile, TestResult
from sandbox import NotGradable, Outcome
from sandbox.spec import STATUS_SENTENCES
from sandbox.submission import load_submission

FINAL_FAILURE = ("Grading failed on our side and could not be completed. It costs you nothing (no attempt, "
                 "no score); submit again, and tell your instructor if it happens again.")

logger = logging.getLogger(__name__)


class SubmissionRejected(Exception):
    """The upload is not acceptable (wrong name, too large, broken notebook); nothing was stored."""


def queue_for(version: ExerciseVersion) -> str:
    """The queue a run of this grader version waits in: "gpu" for GPU exercises; "cpu-long" for images whose
    runs take seconds (settings.GRADING_LONG_QUEUE_IMAGES: torch, scikit-learn...), so that a burst of them
    cannot hold up the sub-second ones; "cpu" for the rest. Workers choose their queues (README)."""
    snapshot = GraderSnapshot.objects.filter(version=version).only("image", "gpu").first()
    if snapshot is None:  # a version synced before snapshots existed
        return "gpu" if version.exercise.gpu else "cpu"
    if snapshot.gpu:
        return "gpu"
    return "cpu-long" if snapshot.image in settings.GRADING_LONG_QUEUE_IMAGES else "cpu"


def _enqueue(run: GradingRun, countdown: float | None = None) -> None:
    from grading.tasks import grade_run

    grade_run.apply_async(args=[run.pk], queue=settings.GRADING_QUEUE_PREFIX + run.queue, countdown=countdown)


def submission_create(  # type: ignore[no-untyped-def]
    *, student, exercise: Exercise, uploads: dict[str, bytes], assignment: Assignment | None = None
) -> Submission:
    """Check the upload, then store the submission, its files and a queued run in ONE transaction; the
    grading task is sent only after that transaction commits. With an assignment, its rules (enrolment,
    dates, attempts) are checked inside that transaction."""
    if assignment is not None and assignment.exercise_id != exercise.pk:
        raise SubmissionRejected("This file is for another exercise than the assignment's.")
    if assignment is None and exercise_is_assigned_to(student=student, exercise=exercise):
        # Practice must not get around an assignment's attempts, deadline or feedback rules.
        raise SubmissionRejected(
            "This exercise is an assignment in one of your courses: submit it from the assignment's page."
        )
    if not exercise.active or exercise.current_version is None:
        raise SubmissionRejected("This exercise is not open for submissions.")
    # An assignment grades with the version it is pinned to; practice with the exercise's current one.
    version = assignment.exercise_version if assignment is not None else exercise.current_version
    queue = queue_for(version)
    if queue == "gpu" and not settings.SANDBOX_GPU:
        # Without a GPU worker the run would wait in the "gpu" queue forever: say so now instead.
        raise SubmissionRejected(
            "This exercise is graded on a GPU, and this installation has no GPU grader. "
            "Your course staff have been told; nothing was submitted."
        )
    total = sum(len(content) for content in uploads.values())
    if total > settings.GRADIENT_MAX_UPLOAD_BYTES:
        raise SubmissionRejected(
            f"The upload is {total // 1024} KiB; the limit is {settings.GRADIENT_MAX_UPLOAD_BYTES // 1024} KiB."
        )
    try:
        loaded = load_submission(uploads, expected_files=list(exercise.files))
    except NotGradable as exc:
        raise SubmissionRejected(str(exc)) from exc
    with transaction.atomic():
        if assignment is not None:
            try:
                check_can_submit(assignment=assignment, student=student)
            except AssignmentClosed as exc:
                raise SubmissionRejected(str(exc)) from exc
        submission = Submission.objects.create(
            student=student,
            exercise=exercise,
            exercise_version=version,
            assignment=assignment,
            notes=loaded.notes,
            max_score=version.max_score,
        )
        SubmissionFile.objects.bulk_create(
            SubmissionFile(submission=submission, name=name, content=content)
            for name, content in sorted(loaded.files.items())
        )
        run = GradingRun.objects.create(
            submission=submission,
            exercise_version=version,
            queue=queue,
            tests_total=len(version.declared_tests),
        )
        transaction.on_commit(lambda: _enqueue(run))
    return submission


def _lease_until() -> timezone.datetime:
    return timezone.now() + timedelta(seconds=settings.GRADING_LEASE_S)


def run_claim(*, run_id: int, token: str) -> bool:
    """Take charge of a run that is queued (or whose lease lapsed). False: someone else has it, or it is done."""
    now = timezone.now()
    claimed = GradingRun.objects.filter(
        Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, lease_expires_at__lt=now), pk=run_id
    ).update(
        status=RunStatus.RUNNING,
        lease_token=token,
        lease_expires_at=_lease_until(),
        deliveries=F("deliveries") + 1,
        started_at=now,
        tests_done=0,
    )
    return claimed == 1


def run_heartbeat(*, run_id: int, token: str, tests_done: int | None = None) -> bool:
    """Renew the lease (and record progress). False when the run is no longer ours."""
    changes: dict[str, object] = {"lease_expires_at": _lease_until()}
    if tests_done is not None:
        changes["tests_done"] = tests_done
    return GradingRun.objects.filter(pk=run_id, lease_token=token, status=RunStatus.RUNNING).update(**changes) == 1


def run_complete(*, run_id: int, token: str, outcome: Outcome) -> bool:
    """Commit the result in ONE transaction if this delivery still holds the lease. Retryable infrastructure
    failures go back to the queue (never charged, never a zero) until the delivery limit."""
    with transaction.atomic():
        run = (
            GradingRun.objects.select_for_update()
            .filter(pk=run_id, lease_token=token, status=RunStatus.RUNNING)
            .first()
        )
        if run is None:
            logger.warning("run %s: result dropped, the lease is no longer ours", run_id)
            return False
        if outcome.status == "infrastructure_error" and outcome.retryable and run.deliveries < settings.GRADING_MAX_DELIVERIES:
            run.status = RunStatus.QUEUED
            run.lease_token = ""
            run.lease_expires_at = None
            run.messages = list(outcome.messages)
            run.save(update_fields=["status", "lease_token", "lease_expires_at", "messages"])
            # Later, not at once: an engine or database that is restarting needs a moment, and retries sent
            # straight back would use up every delivery within a second.
            delay = settings.GRADING_RETRY_DELAY_S * 2 ** (run.deliveries - 1)
            transaction.on_commit(lambda: _enqueue(run, countdown=delay))
            return True
        ours = outcome.status == "infrastructure_error"  # our failure, never the student's: no score, no tests
        TestResult.objects.filter(run=run).delete()
        TestResult.objects.bulk_create(
            TestResult(
                run=run,
                name=test.name,
                outcome=test.outcome,
                points=test.points,
                max_points=test.max_points,
                message=test.message,
                position=index,
            )
            for index, test in enumerate(() if ours else outcome.tests)
        )
        run.status = outcome.status
        run.score = None if ours else outcome.score
        run.max_score = None if ours else outcome.max_score
        # Our failure, and no retry is coming: say so rather than promise one.
        run.messages = [FINAL_FAILURE if ours and m == STATUS_SENTENCES["infrastructure_error"] else m
                        for m in outcome.messages]
        run.student_output = outcome.student_output
        run.duration_s = outcome.duration_s
        run.metrics = outcome.metrics
        run.finished_at = timezone.now()
        run.tests_done = len(outcome.tests)
        run.lease_token = ""
        run.lease_expires_at = None
        run.save()
        if not ours:
            submission = Submission.objects.select_related("assignment__exercise").get(pk=run.submission_id)
            score = outcome.score
            if run.never_lower and submission.score is not None:
                score = max(score, submission.score)
            submission.score, submission.max_score = score, outcome.max_score
            submission.save(update_fields=["score", "max_score"])
            leaderboard_record(submission=submission, score=score, metrics=outcome.metrics)
            exercise_best_record(submission=submission, score=score, max_score=outcome.max_score)
    return True


def exercise_best_record(*, submission: Submission, score: float, max_score: float) -> None:
    """Raise the student's best on the exercise if this beats it. Call inside the result's transaction."""
    # get_or_create (it retries the read when a concurrent result inserted the row first).
    best, created = ExerciseBest.objects.select_for_update().get_or_create(
        student_id=submission.student_id,
        exercise_id=submission.exercise_id,
        defaults={"best_score": score, "max_score": max_score, "achieved_at": submission.created_at},
    )
    if not created and score > best.best_score:
        best.best_score, best.max_score, best.achieved_at = score, max_score, submission.created_at
        best.save(update_fields=["best_score", "max_score", "achieved_at"])


def run_regrade(
    *, submission: Submission, never_lower: bool = False, version: ExerciseVersion | None = None
) -> GradingRun:
    """A new run of the submission against ``version``, by default the one it is graded with now: its
    assignment's pinned version, or the exercise's current one for practice. (To move an assignment to a
    changed grader, see regrade_with_current_version.)"""
    exercise = submission.exercise
    if version is None:
        version = submission.assignment.exercise_version if submission.assignment else exercise.current_version
    if version is None:
        raise SubmissionRejected("This exercise has no grader version to regrade against.")
    if version.exercise_id != exercise.pk:
        raise SubmissionRejected(f"Grader version {version} is not a version of {exercise.slug}.")
    with transaction.atomic():
        run = GradingRun.objects.create(
            submission=submission,
            exercise_version=version,
            queue=queue_for(version),
            tests_total=len(version.declared_tests),
            is_regrade=True,
            never_lower=never_lower,
        )
        transaction.on_commit(lambda: _enqueue(run))
    return run


@dataclass
class Regrade:
    version: ExerciseVersion  # what the new runs grade with
    runs: dict[int, int]  # submission id -> its new run's id
    repinned: list[tuple[Assignment, ExerciseVersion]]  # each assignment moved, with the version it had


@transaction.atomic
def regrade_with_current_version(
    *, exercise: Exercise, assignment: Assignment | None = None, never_lower: bool = False
) -> Regrade:
    """Regrade an assignment, or every submission of an exercise, with the exercise's current grader version,
    and pin the assignment (with an exercise: each of its assignments) to that version. A regrade after a grader
    change means the new grader is the right one, so later submissions must be graded like the regraded
    ones. All of it or nothing; the runs are sent once the transaction commits."""
    current = exercise.current_version
    if current is None:
        raise SubmissionRejected(f"{exercise.slug} has no grader version to regrade against.")
    if assignment is not None and assignment.exercise_id != exercise.pk:
        raise SubmissionRejected(f"Assignment {assignment.pk} is not an assignment of {exercise.slug}.")
    assignments = Assignment.objects.filter(exercise=exercise).select_related("exercise", "cohort")
    submissions = Submission.objects.filter(exercise=exercise).select_related("exercise")
    if assignment is not None:
        assignments = assignments.filter(pk=assignment.pk)
        submissions = submissions.filter(assignment=assignment)
    repinned = []
    for pinned in assignments.select_for_update(of=("self",)):
        previous = assignment_pin(assignment=pinned, version=current)
        if previous is not None:
            repinned.append((pinned, previous))
    runs = {
        submission.pk: run_regrade(submission=submission, never_lower=never_lower, version=current).pk
        for submission in submissions.order_by("pk")
    }
    return Regrade(version=current, runs=runs, repinned=repinned)


def run_fail_infrastructure(*, run_id: int, message: str) -> None:
    GradingRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.INFRASTRUCTURE_ERROR,
        messages=[FINAL_FAILURE, message],
        finished_at=timezone.now(),
        lease_token="",
        lease_expires_at=None,
    )


def runs_sweep(*, stale_queued_after_s: int = 600) -> dict[str, int]:
    """Re-queue runs whose lease lapsed (their worker died) and queued runs whose message was lost; fail
    those delivered too many times. Run by Celery beat every minute."""
    now = timezone.now()
    requeued = failed = 0
    lapsed = GradingRun.objects.filter(status=RunStatus.RUNNING, lease_expires_at__lt=now)
    for run in lapsed.only("pk", "deliveries", "queue"):
        if run.deliveries >= settings.GRADING_MAX_DELIVERIES:
            run_fail_infrastructure(
                run_id=run.pk, message=f"Grading was interrupted {run.deliveries} times; staff have been told."
            )
            failed += 1
            continue
        changed = GradingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, lease_expires_at__lt=now).update(
            status=RunStatus.QUEUED, lease_token="", lease_expires_at=None
        )
        if changed:
            _enqueue(run)
            requeued += 1
    stale = GradingRun.objects.filter(
        status=RunStatus.QUEUED, created_at__lt=now - timedelta(seconds=stale_queued_after_s)
    )
    for run in stale.only("pk", "queue"):
        _enqueue(run)  # harmless if the original message also arrives: the claim lets one through
        requeued += 1
    return {"requeued": requeued, "failed": failed}


def new_lease_token() -> str:
    return secrets.token_hex(16)
