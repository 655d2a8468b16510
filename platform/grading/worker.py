"""The worker process's warm pool of box pairs: made on first use, closed when the process stops."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings

from sandbox import WarmPool, close_grader_servers, engine_answers

logger = logging.getLogger(__name__)

_pool: WarmPool | None = None
_pool_lock = threading.Lock()


def warm_pool() -> WarmPool | None:
    """This worker process's pool (settings.SANDBOX_WARM_POOL pairs per kind; 0: none). The pool only makes
    runs faster: if it cannot be set up now, runs start their own boxes."""
    global _pool
    with _pool_lock:
        if _pool is None and settings.SANDBOX_WARM_POOL > 0:
            try:
                _pool = WarmPool(
                    settings.SANDBOX, per_key=settings.SANDBOX_WARM_POOL, idle_s=settings.SANDBOX_WARM_IDLE_S
                )
            except Exception:  # noqa: BLE001 - no engine now, or it failed: the run says so itself
                logger.warning("no warm pool for now", exc_info=True)
                return None
        return _pool


def close_warm_pool() -> None:
    """A stopping worker removes the boxes it kept warm and its grader servers (a killed one leaves them to
    the next pool and the next servers on its host)."""
    if _pool is not None:
        _pool.close()
    close_grader_servers()


# ----------------------------------------------------------------------------------------- the engine away
#
# Each worker host has its own Docker engine. When it stops answering, a run taken here can only fail (and
# use up one of its deliveries), while another host's worker could grade it. So a worker asks before it
# takes a run; if its engine is away it hands the run back to the queue, stops consuming that queue, and
# starts consuming it again once the engine answers. With one host, runs wait in the queue meanwhile.

ENGINE_RECHECK_S = 2.0
_paused: dict[str, threading.Thread] = {}  # queue -> the thread that resumes it
_paused_lock = threading.Lock()


def engine_ready(*, hostname: str, queue: str) -> bool:
    """True when this host's engine answers. Otherwise stop this worker consuming ``queue`` until it does."""
    if engine_answers():
        return True
    if hostname and queue:
        _pause(hostname, queue)
    return False


def _control() -> Any:
    from celery import current_app

    return current_app.control


def _pause(hostname: str, queue: str) -> None:
    with _paused_lock:
        if queue in _paused:
            return
        logger.warning("the Docker engine does not answer: %s stops taking runs from %s until it does", hostname, queue)
        _control().cancel_consumer(queue, destination=[hostname], reply=False)
        resume = threading.Thread(target=_resume_when_back, args=(hostname, queue), daemon=True, name=f"resume-{queue}")
        _paused[queue] = resume
        resume.start()


def _resume_when_back(hostname: str, queue: str) -> None:
    while not engine_answers():
        time.sleep(ENGINE_RECHECK_S)
    with _paused_lock:
        _control().add_consumer(queue, destination=[hostname], reply=False)
        _paused.pop(queue, None)
    logger.warning("the Docker engine answers again: %s takes runs from %s again", hostname, queue)
