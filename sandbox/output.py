"""What a box prints, read from outside the box: its first bytes kept, the rest counted up to the cap."""

from __future__ import annotations

import threading
from typing import Any

from sandbox.engine import attach_output


class OutputWatcher(threading.Thread):
    """Reads what a box prints (stdout and stderr, as the engine's attach stream interleaves them), keeps the
    first ``cap_bytes`` and notes when the box passes the cap (``output_limit``), then stops reading. What it
    kept is the run's student output: reading it costs the engine no further request (a ``logs`` call, and the
    inspection the docker SDK makes before it, were two of a run's dozen engine requests)."""

    def __init__(self, container: Any, cap_bytes: int) -> None:
        super().__init__(daemon=True, name=f"output-{container.name}")
        self.cap_bytes = cap_bytes
        self.exceeded = threading.Event()
        self.kept = bytearray()
        self.lock = threading.Lock()
        # Attached before the box starts, so a burst at start-up is counted (the log file has rotated by then).
        self.stream = attach_output(container)

    def run(self) -> None:
        try:
            for chunk in self.stream:
                with self.lock:
                    room = self.cap_bytes - len(self.kept)
                    self.kept += chunk[: max(0, room)]
                if len(chunk) > room:
                    self.exceeded.set()
                    break
        except Exception:  # noqa: BLE001,S110 - the box was removed under us: nothing more to count
            pass
        finally:
            # Detach: an attached stream nobody reads would stall the box and the engine's kill.
            self.close()

    def output(self) -> bytes:
        """The first ``cap_bytes`` the box printed, as read so far."""
        with self.lock:
            return bytes(self.kept)

    def close(self) -> None:
        try:
            self.stream.close()
        except Exception:  # noqa: BLE001,S110 - already closed
            pass
