"""Celery tasks: thin wrappers that take ids, re-read their rows, and are safe to run twice."""

from __future__ import annotations

import logging
import threading
import time

from celery import shared_task
from celery.signals import worker_process_shutdown
from django.conf import settings
from django.db import InterfaceError, OperationalError

from grading import services
from grading.grader_versions import GraderVersionUnavailable
from grading.selectors import job_for_run
from sandbox import SandboxUnavailable, run_job
from sandbox.docker_backend import work_root
from sandbox.pool import WarmPool
from sandbox.spec import STATUS_SENTENCES, Outcome

logger = logging.getLogger(__name__)
DATABASE_RETRY_S = 5  # a delivery that finds the database away tries again this much later
PROGRESS_EVERY_S = 0.5  # how often a run's "tests done" is written while it grades


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
                services.run_heartbeat(run_id=self.run_id, token=self.token)
            except Exception:  # noqa: BLE001 - a missed heartbeat is retried; the lease has slack
                logger.exception("run %s: heartbeat failed", self.run_id)


def _infrastructure_outcome(message: str, *, retryable: bool = True) -> Outcome:
    return Outcome(
        status="infrastructure_error",
        score=0.0,
        max_score=0.0,
        tests=(),
        duration_s=0.0,
        messages=(STATUS_SENTENCES["infrastructure_error"], message),
        retryable=retryable,
    )


_pool: WarmPool | None = None
_pool_lock = threading.Lock()


def warm_pool() -> WarmPool | None:
    """This worker process's warm pool of box pairs (settings.SANDBOX_WARM_POOL pairs per kind; 0: none).
    The pool only makes runs faster: if it cannot be set up now, runs start their own boxes."""
    global _pool
    with _pool_lock:
        if _pool is None and settings.SANDBOX_WARM_POOL > 0:
            try:
                _pool = WarmPool(
                    work_root=work_root, per_key=settings.SANDBOX_WARM_POOL, idle_s=settings.SANDBOX_WARM_IDLE_S
                )
            except Exception:  # noqa: BLE001 - no engine now, or it failed: the run says so itself
                logger.warning("no warm pool for now", exc_info=True)
                return None
        return _pool


@worker_process_shutdown.connect
def close_warm_pool(**_kwargs: object) -> None:
    """A stopping worker removes the boxes it kept warm (a killed one leaves them to the next pool)."""
    if _pool is not None:
        _pool.close()


@shared_task(bind=True, name="grading.run", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def grade_run(self, run_id: int) -> str:  # type: ignore[no-untyped-def]
    token = services.new_lease_token()
    try:
        claimed = services.run_claim(run_id=run_id, token=token)
    except (OperationalError, InterfaceError) as exc:
        # The database is away (restarting). The run is still queued there and this message is what brings it
        # to a worker: a failed task is acked and gone, so send it again a little later instead.
        logger.warning("run %s: the database is unavailable, retrying in %s s (%s)", run_id, DATABASE_RETRY_S, exc)
        raise self.retry(exc=exc, countdown=DATABASE_RETRY_S, max_retries=None) from exc
    if not claimed:
        return "skipped: already taken or finished"
    keeper = LeaseKeeper(run_id, token)
    keeper.start()
    attempted: list[Outcome] = []  # the result this delivery tried to commit
    committed: list[Outcome] = []

    def commit(outcome: Outcome) -> None:
        # Called by the sandbox before it removes the boxes: the student sees the score that much sooner.
        keeper.stopped.set()
        attempted.append(outcome)
        services.run_complete(run_id=run_id, token=token, outcome=outcome)
        committed.append(outcome)

    try:
        job = job_for_run(run_id)

        last_progress = [time.monotonic()]

        def progress(done: int, total: int) -> None:
            # At most every PROGRESS_EVERY_S: a write per test would cost a short run more than it shows.
            now = time.monotonic()
            if now - last_progress[0] >= PROGRESS_EVERY_S:
                last_progress[0] = now
                services.run_heartbeat(run_id=run_id, token=token, tests_done=done)

        try:
            # (The grader's own printout is for instructors' tools only: workers don't fetch it.)
            outcome = run_job(job, progress=progress, pool=warm_pool(), on_outcome=commit, grader_output=False)
        except SandboxUnavailable as exc:
            outcome = _infrastructure_outcome(str(exc))
    except GraderVersionUnavailable as exc:
        # Another delivery cannot bring back a grader nobody stored: end now, with the reason (never charged).
        outcome = _infrastructure_outcome(str(exc), retryable=False)
    except Exception as exc:  # noqa: BLE001 - whatever broke, the run must end with a recorded status
        if committed:
            logger.exception("run %s: cleaning up after the result failed", run_id)
            return committed[0].status
        if attempted:
            # The commit itself failed (the database went away): as for a dead worker, the lease lapses and
            # the sweeper sends the run again.
            raise
        logger.exception("run %s: grading failed", run_id)
        outcome = _infrastructure_outcome(f"{type(exc).__name__}: {str(exc)[:300]}")
    finally:
        keeper.stopped.set()
    if not attempted:
        services.run_complete(run_id=run_id, token=token, outcome=outcome)
    return outcome.status


@shared_task(name="grading.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    return services.runs_sweep()
