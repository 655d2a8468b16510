"""Celery task: build a similarity report. It goes to the grading workers' long queue ("cpu-long", with
GRADING_QUEUE_PREFIX), so the workers already deployed build reports with no change to how they are run."""

from __future__ import annotations

from celery import shared_task

from similarity import services


@shared_task(name="similarity.build", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def build(report_id: int) -> str:
    """Idempotent: a report already done (or failed) is left alone; a crash marks it failed (services)."""
    return services.report_build(report_id)
