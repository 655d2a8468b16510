"""A run's life on a worker: claim it, keep its lease, grade it, commit its one result; and the sweeper.

Exactly one final result per run comes from PostgreSQL, not from the broker: a delivery claims the run with a
conditional UPDATE that takes a lease, and its result commits only if that lease is still the one in charge.
A redelivered task therefore finds nothing to do, and a worker that died leaves a lease that expires and is
swept back into the queue.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.points import POINTS_QUANTUM
from grading import alerts, dispatch, signals, standings
from grading.grader_versions import GraderVersionUnavailable
from grading.models import GradingRun, RunStatus, Submission, TestResult, questions_record, test_result_rows
from grading.selectors import job_for_run
from sandbox import STATUS_SENTENCES, Outcome, SandboxUnavailable, WarmPool, run_job

FINAL_FAILURE = ("Grading failed on our side and could not be completed. It costs you nothing (no attempt, "
                 "no score); submit again, and tell your instructor if it happens again.")
PROGRESS_EVERY_S = 0.5  # how often a run's "tests done" is written while it grades
STALE_SEND_S = 600  # a queued run whose task was sent this long ago without a claim is sent again

logger = logging.getLogger(__name__)


class DatabaseAway(Exception):
    """The database could not be reached to claim the run: the run is still queued, send the task again."""


def grade(run_id: int, *, pool: WarmPool | None) -> str:
    """Grade one delivery of the run, if this delivery can claim it; returns the status it ended with."""
    token = secrets.token_hex(16)
    try:
        claimed = claim(run_id=run_id, token=token)
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseAway(str(exc)) from exc
    if not claimed:
        return "skipped: already taken or finished"
    try:
        dispatch.release_after(run_id)  # the student's run left the queue: their next one may take its place
    except Exception:  # noqa: BLE001 - never at the cost of this run: the sweeper sends a held run later
        logger.exception("run %s: releasing the student's next run failed", run_id)
    keeper = LeaseKeeper(run_id, token)
    keeper.start()
    attempted: list[Outcome] = []  # the result this delivery tried to commit
    committed: list[Outcome] = []

    def commit(outcome: Outcome) -> None:
        # Called by the sandbox before it removes the boxes: the student sees the score that much sooner.
        keeper.stopped.set()
        attempted.append(outcome)
        complete(run_id=run_id, token=token, outcome=outcome)
        committed.append(outcome)

    last_progress = [time.monotonic()]

    def progress(done: int, total: int) -> None:
        # At most every PROGRESS_EVERY_S: a write per test would cost a short run more than it shows.
        now = time.monotonic()
        if now - last_progress[0] >= PROGRESS_EVERY_S:
            last_progress[0] = now
            heartbeat(run_id=run_id, token=token, tests_done=done)

    try:
        job = job_for_run(run_id)
        try:
            # (The grader's own printout is for instructors' tools only: workers don't fetch it.)
            outcome = run_job(
                job, config=settings.SANDBOX, progress=progress, pool=pool, on_outcome=commit, grader_output=False
            )
        except SandboxUnavailable as exc:
            outcome = Outcome.infrastructure(str(exc), retryable=exc.retryable)
    except GraderVersionUnavailable as exc:
        # Another delivery cannot bring back a grader nobody stored: end now, with the reason (never charged).
        outcome = Outcome.infrastructure(str(exc), retryable=False)
    except Exception as exc:  # noqa: BLE001 - whatever broke, the run must end with a recorded status
        if committed:
            logger.exception("run %s: cleaning up after the result failed", run_id)
            return committed[0].status
        if attempted:
            # The commit itself failed (the database went away): as for a dead worker, the lease lapses and
            # the sweeper sends the run again.
            raise
        logger.exception("run %s: grading failed", run_id)
        outcome = Outcome.infrastructure(f"{type(exc).__name__}: {str(exc)[:300]}")
    finally:
        keeper.stopped.set()
    if not attempted:
        complete(run_id=run_id, token=token, outcome=outcome)
    return outcome.status


class LeaseKeeper(threading.Thread):
    """Renews the run's lease while the sandbox works, so a long run is not swept from under us."""

    def __init__(self, run_id: int, token: str) -> None:
        super().__init__(daemon=True, name=f"lease-{run_id}")
        self.run_id, self.token = run_id, token
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = max(1.0, settings.GRADING_LEASE_S / 3)
        while not self.stopped.wait(interval):
            try:
                heartbeat(run_id=self.run_id, token=self.token)
            except Exception:  # noqa: BLE001 - a missed heartbeat is retried; the lease has slack
                logger.exception("run %s: heartbeat failed", self.run_id)


def _lease_until() -> datetime:
    return timezone.now() + timedelta(seconds=settings.GRADING_LEASE_S)


def claim(*, run_id: int, token: str) -> bool:
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
        worker=settings.WORKER_NAME,
    )
    return claimed == 1


def heartbeat(*, run_id: int, token: str, tests_done: int | None = None) -> bool:
    """Renew the lease (and record progress). False when the run is no longer ours."""
    changes: dict[str, object] = {"lease_expires_at": _lease_until()}
    if tests_done is not None:
        changes["tests_done"] = tests_done
    return GradingRun.objects.filter(pk=run_id, lease_token=token, status=RunStatus.RUNNING).update(**changes) == 1


def complete(*, run_id: int, token: str, outcome: Outcome) -> bool:
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
        ours = outcome.status == RunStatus.INFRASTRUCTURE_ERROR  # our failure, never the student's
        if ours and outcome.retryable and run.deliveries < settings.GRADING_MAX_DELIVERIES:
            run.status = RunStatus.QUEUED
            run.lease_token = ""
            run.lease_expires_at = None
            run.messages = list(outcome.messages)
            run.save(update_fields=["status", "lease_token", "lease_expires_at", "messages"])
            # Later, not at once: an engine or database that is restarting needs a moment, and retries sent
            # straight back would use up every delivery within a second.
            dispatch.send_on_commit(run, countdown=settings.GRADING_RETRY_DELAY_S * 2 ** (run.deliveries - 1))
            alerts.run_retrying(run)  # the student, once per run
            return True
        TestResult.objects.filter(run=run).delete()
        TestResult.objects.bulk_create(test_result_rows(run, () if ours else outcome.tests))
        run.status = RunStatus(outcome.status)
        run.score = None if ours else outcome.score
        run.max_score = None if ours else outcome.max_score
        run.questions = [] if ours else questions_record(outcome.questions)
        # Our failure, and no retry is coming: say so rather than promise one.
        run.messages = [
            FINAL_FAILURE if ours and m == STATUS_SENTENCES[outcome.status] else m for m in outcome.messages
        ]
        run.student_output = outcome.student_output
        run.duration_s = outcome.duration_s
        run.warm_start = outcome.warm
        run.metrics = outcome.metrics
        run.finished_at = timezone.now()
        run.tests_done = len(outcome.tests)
        run.lease_token = ""
        run.lease_expires_at = None
        run.save()
        if ours:
            alerts.run_given_up(run.pk, reason="; ".join(outcome.messages)[:500])
        if not ours:
            submission = Submission.objects.select_related("assignment__exercise").get(pk=run.submission_id)
            score = outcome.score
            if run.never_lower and submission.score is not None:
                score = max(score, kept_score(submission.score, submission.max_score, outcome.max_score))
            submission.score, submission.max_score = score, outcome.max_score
            submission.save(update_fields=["score", "max_score"])
            standings.leaderboard_record(submission=submission, score=score, metrics=outcome.metrics)
            standings.exercise_best_record(submission=submission, score=score, max_score=outcome.max_score)
            signals.score_changed_on_commit(assignment_id=submission.assignment_id, student_id=submission.student_id)
            # A result after a long wait in the queue: the student may have left the page (no query otherwise).
            waited = (run.started_at - run.created_at).total_seconds() if run.started_at else 0.0
            if waited > settings.NOTIFY_BACKLOG_S and not run.is_regrade:
                alerts.result_after_backlog(run, submission, waited)
    return True


def kept_score(old: Decimal, old_max: Decimal, new_max: Decimal) -> Decimal:
    """What an earlier score is worth under a regrade's full marks (never lower): the same fraction of them, so a
    new grader out of 8 never leaves 10 points standing from the old one out of 10."""
    if old_max == new_max or old_max <= 0:
        return min(old, new_max)
    return min(new_max, (old * new_max / old_max).quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP))


def fail(*, run_id: int, message: str) -> bool:
    """End a run as our failure, for good (no retry is coming), and tell the student and staff (grading.alerts);
    the run's messages say so when staff were told. False: the run had ended already."""
    with transaction.atomic():
        open_run = GradingRun.objects.select_for_update().filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        if not list(open_run.values_list("pk", flat=True)):
            return False
        told = alerts.run_given_up(run_id, reason=message)
        open_run.update(
            status=RunStatus.INFRASTRUCTURE_ERROR,
            messages=[FINAL_FAILURE, f"{message} Staff have been told." if told else message],
            finished_at=timezone.now(),
            lease_token="",
            lease_expires_at=None,
        )
        dispatch.release_after(run_id)  # one that never started may have held the student's next one back
    return True


HAND_BACK_DELAY_S = 1.0  # time for the worker that hands a run back to stop consuming its queue


def hand_back(run_id: int) -> None:
    """Send a run's task again without claiming it (this worker cannot grade it now): another worker takes it.
    A run no longer queued (claimed meanwhile, or done) needs nothing; deliveries are not counted."""
    run = GradingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED, held=False).first()
    if run is not None:
        dispatch.send(run, countdown=HAND_BACK_DELAY_S)


def sweep(*, stale_after_s: int = STALE_SEND_S) -> dict[str, int]:
    """Re-queue runs whose lease lapsed (their worker died) and re-send queued runs whose last send is old
    (the message was lost); fail those delivered too many times. Run by Celery beat every minute. A queued
    run is re-sent by when it was last SENT, not created: under a backlog, runs that wait their turn in the
    broker are not sent again every minute."""
    now = timezone.now()
    requeued = failed = 0
    lapsed = GradingRun.objects.filter(status=RunStatus.RUNNING, lease_expires_at__lt=now)
    for run in lapsed.only("pk", "deliveries", "queue"):
        if run.deliveries >= settings.GRADING_MAX_DELIVERIES:
            fail(run_id=run.pk, message=f"Grading was interrupted {run.deliveries} times.")
            failed += 1
            continue
        changed = GradingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, lease_expires_at__lt=now).update(
            status=RunStatus.QUEUED, lease_token="", lease_expires_at=None
        )
        if changed:
            dispatch.send(run)
            requeued += 1
    stale_before = now - timedelta(seconds=stale_after_s)
    stale = GradingRun.objects.filter(
        Q(sent_at__lt=stale_before) | Q(sent_at__isnull=True, created_at__lt=stale_before),
        status=RunStatus.QUEUED, held=False,
    )
    for run in stale.only("pk", "queue"):
        dispatch.send(run)  # harmless if the original message also arrives: the claim lets one through
        requeued += 1
    # A held run whose student has none waiting any more (its release was lost with a worker): send it now.
    students = (
        GradingRun.objects.filter(status=RunStatus.QUEUED, held=True, created_at__lt=stale_before)
        .values_list("submission__student_id", "queue").distinct()
    )
    for student_id, queue in list(students):
        if dispatch.release_next(student_id, queue) is not None:
            requeued += 1
    return {"requeued": requeued, "failed": failed}
