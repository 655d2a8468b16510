"""Celery tasks: thin wrappers that take ids and hand them to grading.runs; safe to run twice."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.signals import worker_process_shutdown

from grading import runs, worker
from grading.reminders import remind_deadlines  # noqa: F401  (registers grading.remind_deadlines)

logger = logging.getLogger(__name__)
DATABASE_RETRY_S = 5  # a delivery that finds the database away tries again this much later


@shared_task(bind=True, name="grading.run", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def grade_run(self: Task, run_id: int) -> str:
    queue = (self.request.delivery_info or {}).get("routing_key") or ""
    if not worker.engine_ready(hostname=self.request.hostname or "", queue=queue):
        # Taken here, the run could only fail: leave it to a worker whose engine answers (grading/worker.py).
        runs.hand_back(run_id)
        return "handed back: this worker's Docker engine does not answer"
    try:
        return runs.grade(run_id, pool=worker.warm_pool())
    except runs.DatabaseAway as exc:
        # The run is still queued in the database, and this message is what brings it to a worker: a failed
        # task is acked and gone, so send it again a little later instead.
        logger.warning("run %s: the database is unavailable, retrying in %s s (%s)", run_id, DATABASE_RETRY_S, exc)
        raise self.retry(exc=exc, countdown=DATABASE_RETRY_S, max_retries=None) from exc


@shared_task(name="grading.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    return runs.sweep()


@worker_process_shutdown.connect
def close_warm_pool(**_kwargs: object) -> None:
    worker.close_warm_pool()
