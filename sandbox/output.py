"""Counting what a box prints, from outside the box."""

from __future__ import annotations

import threading
from typing import Any


class OutputWatcher(threading.Thread):
    """Counts what a box prints, from outside, and notes when it passes the cap. The log driver already
    keeps at most the cap on disk; this only tells the student that output was cut (``output_limit``)."""

    def __init__(self, container: Any, cap_bytes: int) -> None:
        super().__init__(daemon=True, name=f"output-{container.name}")
        self.cap_bytes = cap_bytes
        self.exceeded = threading.Event()
        # Attached before the box starts, so a burst at start-up is counted (the log file has rotated by then).
        self.stream = container.attach(stdout=True, stderr=True, stream=True, logs=False)

    def run(self) -> None:
        seen = 0
        try:
            for chunk in self.stream:
                seen += len(chunk)
                if seen > self.cap_bytes:
                    self.exceeded.set()
                    break
        except Exception:  # noqa: BLE001,S110 - the box was removed under us: nothing more to count
            pass
        finally:
            # Detach: an attached stream nobody reads would stall the box and the engine's kill.
            self.close()

    def close(self) -> None:
        try:
            self.stream.close()
        except Exception:  # noqa: BLE001,S110 - already closed
            pass
