"""Celery tasks of notices (run by beat: settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from notices import services


@shared_task(name="notices.send_digests", ignore_result=True)
def send_digests() -> int:
    return services.send_digests()
