"""Celery tasks of the LTI tool: thin, an id in; the work is in lti.passback and lti.roster. Safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Task, shared_task
from django.utils import timezone

from lti import lms, passback, roster, storage
from lti.models import UsedNonce

logger = logging.getLogger(__name__)
NONCES_KEPT_DAYS = 2  # an id_token lives minutes; a nonce older than this cannot come back in a valid one


@shared_task(
    bind=True, name="lti.send_score", ignore_result=True, acks_late=True,
    autoretry_for=(lms.ServiceFailed,), retry_backoff=30, retry_backoff_max=1800, retry_jitter=True,
    max_retries=6,
)
def send_score(self: Task, passback_id: int) -> str:
    # After the retries, the score stays owed: lti.release_scores tries it again every ten minutes.
    return passback.send(passback_id)


@shared_task(name="lti.release_scores", ignore_result=True)
def release_scores() -> int:
    """Beat, every minute: send the scores whose release time came (held until a due date) or whose sends
    failed for good before."""
    owed = passback.owed_now()
    for passback_id in owed:
        send_score.delay(passback_id)
    return len(owed)


@shared_task(
    bind=True, name="lti.sync_roster", ignore_result=True,
    autoretry_for=(lms.ServiceFailed,), retry_backoff=60, max_retries=3,
)
def sync_roster(self: Task, context_cohort_id: int) -> str:
    return str(roster.sync(context_cohort_id))


@shared_task(name="lti.prune", ignore_result=True)
def prune() -> int:
    """Beat, hourly: expired launch state, and nonces too old to be replayed in a token that has not expired."""
    old = timezone.now() - timedelta(days=NONCES_KEPT_DAYS)
    deleted, _ = UsedNonce.objects.filter(used_at__lt=old).delete()
    return storage.prune_expired() + deleted
