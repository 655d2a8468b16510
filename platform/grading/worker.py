"""The worker process's warm pool of box pairs: made on first use, closed when the process stops."""

from __future__ import annotations

import logging
import threading

from django.conf import settings

from sandbox import WarmPool

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
    """A stopping worker removes the boxes it kept warm (a killed one leaves them to the next pool)."""
    if _pool is not None:
        _pool.close()
