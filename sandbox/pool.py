"""A worker's warm pool: box pairs started ahead of time, so a run skips the engine work and the imports.

After a run of some kind (same image, limits, devices and preloads: ``sandbox.boxes.pair_key``), the pool
starts another empty pair of that kind in the background; the next run of that kind takes it, already warm,
instead of starting its own. A pair serves one run and is then removed, like a cold one: the pool trades
idle memory for latency, never isolation. It keeps at most ``per_key`` pairs for each of the ``max_keys``
kinds seen last, and removes pairs that stayed idle ``idle_s`` seconds.

Pairs waiting in the pool hold no submission and no hidden test, so a box that goes away while it waits
costs nothing: ``take`` notices (its socket reads EOF) and the run starts its own pair. A pool belongs to one
worker process; its boxes are named ``gradient-pool-<host>-<pid>-<n>-<role>``, so boxes left by a killed
worker are recognised and removed when the next pool on that host starts.

Each pair has a network namespace of its own (its student box's, beside a grader server's child; or, with a
grader box per run, the grader box's, which the student box joins), made when the pool starts the pair, so
the run does not wait for it and no two runs ever share one: see "Network namespaces" in sandbox/boxes.py.
With grader servers (sandbox/grader_server.py) a waiting pair is a student box and a child forked ahead.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import threading
import time
from collections import Counter, OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from itertools import count
from pathlib import Path

from sandbox.box_pair import BoxPair, remove_by_force
from sandbox.boxes import container_name, etc_files
from sandbox.config import SandboxConfig
from sandbox.engine import docker_client
from sandbox.grader_server import grader_servers
from sandbox.spec import GradingJob

logger = logging.getLogger(__name__)

POOL_PREFIX = "pool-"  # of the pool's folders; its boxes' names start with BOX_PREFIX
BOX_PREFIX = container_name(POOL_PREFIX, "")[: -len("-")]  # "gradient-pool-"
WARM_TIMEOUT_S = 60.0  # engine start plus the preloads (torch takes seconds on a busy machine)


def owner_id() -> str:
    """<host>-<pid> of this process, as it appears in the names of its pool's boxes and folders."""
    host = re.sub(r"[^a-zA-Z0-9.]", "", socket.gethostname())[:24] or "host"
    return f"{host}-{os.getpid()}"


class WarmPool:
    """``WarmPool(config, per_key=..., idle_s=...)``: pairs are started in ``config.work_dir`` with
    ``config.runtime``. Removes the orphans of dead workers on this host when created (needs the engine:
    raises :class:`SandboxUnavailable` without one)."""

    def __init__(
        self,
        config: SandboxConfig,
        *,
        per_key: int = 1,
        max_keys: int = 3,
        idle_s: float = 300.0,
        refill_on_use: bool = True,
    ) -> None:
        self.config = config
        self.work_root = config.work_dir
        self.per_key, self.max_keys, self.idle_s = per_key, max_keys, max(1.0, idle_s)
        self.refill_on_use = refill_on_use  # False: hold only the pairs asked for with refill()
        self.owner = owner_id()
        self.lock = threading.Lock()
        self.waiting: OrderedDict[str, list[tuple[float, Future[BoxPair]]]] = OrderedDict()
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="warm-pool")
        self.numbers = count(1)
        self.stats: Counter[str] = Counter()  # "taken" (a run used a warm pair), "missed" (it started its own)
        self.in_use = 0  # pairs handed out and not yet given back
        self.closed = threading.Event()
        remove_orphans(config)
        self.janitor = threading.Thread(target=self._expire_loop, name="warm-pool-janitor", daemon=True)
        self.janitor.start()

    # ------------------------------------------------------------------ for a run

    def take(self, key: str, timeout: float = WARM_TIMEOUT_S) -> BoxPair | None:
        """A warm pair of this kind (waiting for one still starting), or None: the run starts its own."""
        with self.lock:
            queued = self.waiting.get(key)
            entry = queued.pop(0) if queued else None
            if entry is not None:
                self.in_use += 1
        pair = None
        if entry is not None:
            try:
                pair = entry[1].result(timeout=timeout)
            except (FutureTimeout, Exception):  # noqa: BLE001 - a pair that failed to start is no pair
                entry[1].add_done_callback(self._discard_future)
            if pair is not None and not pair.healthy():
                self.executor.submit(pair.remove)
                pair = None
        with self.lock:
            self.stats["taken" if pair is not None else "missed"] += 1
            if pair is None and entry is not None:
                self.in_use -= 1
        return pair

    def give_back(self, pair: BoxPair, *, removed: bool = True) -> None:
        """The run that took ``pair`` is over. Boxes that could not be removed (the engine failed) share
        nothing with the waiting pairs, which keep namespaces of their own; the next pool removes them."""
        if not removed:
            logger.warning("warm pool: the boxes of %s could not be removed", pair.dir.name)
        with self.lock:
            self.in_use -= 1

    def used(self, key: str, job: GradingJob, tag: str) -> None:
        """A run of this kind has its result: keep a pair warm for the next one."""
        if self.refill_on_use:
            self.refill(key, job, tag)

    def refill(self, key: str, job: GradingJob, tag: str) -> Future[BoxPair] | None:
        """Start a pair of this job's kind in the background unless enough are waiting (then None)."""
        started = None
        with self.lock:
            if self.closed.is_set():
                return None
            queued = self.waiting.setdefault(key, [])
            self.waiting.move_to_end(key)
            if len(queued) < self.per_key:
                started = self.executor.submit(self._start, job, tag)
                queued.append((time.monotonic(), started))
            evicted = []
            while len(self.waiting) > self.max_keys:
                _, entries = self.waiting.popitem(last=False)
                evicted += entries
        for _, future in evicted:
            future.add_done_callback(self._discard_future)
        return started

    def close(self) -> None:
        """Remove every waiting pair (the worker is stopping)."""
        with self.lock:
            self.closed.set()
            entries = [e for queued in self.waiting.values() for e in queued]
            self.waiting.clear()
        for _, future in entries:
            future.add_done_callback(self._discard_future)
        self.executor.shutdown(wait=True, cancel_futures=True)
        logger.info("warm pool closed: %s", dict(self.stats))

    def size(self) -> int:
        with self.lock:
            return sum(len(q) for q in self.waiting.values())

    # ------------------------------------------------------------------ behind the scenes

    def _start(self, job: GradingJob, tag: str) -> BoxPair:
        name = f"{POOL_PREFIX}{self.owner}-{next(self.numbers)}"
        pair = BoxPair(
            self.work_root / name, runtime=self.config.runtime, etc_dir=etc_files(self.work_root),
            servers=grader_servers(self.config),
        )
        try:
            names = {role: container_name(name, role) for role in ("student", "grader")}
            client = docker_client(self.config.docker_timeout_s)
            pair.start(client, tag, job, names, deadline=time.monotonic() + WARM_TIMEOUT_S)
        except BaseException:
            pair.remove()
            raise
        return pair

    def _discard_future(self, future: Future[BoxPair]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        try:
            future.result().remove()
        except Exception:  # noqa: BLE001 - best effort: orphans are removed when the next pool starts
            logger.exception("warm pool: could not remove a pair")

    def _expire_loop(self) -> None:
        while not self.closed.wait(min(30.0, self.idle_s / 2)):
            now = time.monotonic()
            with self.lock:
                expired = [e for q in self.waiting.values() for e in q if now - e[0] > self.idle_s]
                for key in list(self.waiting):
                    self.waiting[key] = [e for e in self.waiting[key] if e not in expired]
                    if not self.waiting[key]:
                        del self.waiting[key]
            for _, future in expired:
                future.add_done_callback(self._discard_future)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans(config: SandboxConfig) -> int:
    """Remove pool boxes and folders whose worker is gone: any that stopped (their runner exits when its
    worker's socket closes), and running ones of a dead process on this host. Returns how many boxes."""
    # netns: the holder boxes of older versions
    return remove_dead_owners(config, BOX_PREFIX, POOL_PREFIX, box_suffix="-(student|grader|netns)")


def remove_dead_owners(config: SandboxConfig, box_prefix: str, folder_prefix: str, *, box_suffix: str = "") -> int:
    """Remove the boxes named ``<box_prefix><host>-<pid>-<n><box_suffix>`` that stopped or whose process on
    this host is gone, and this host's folders ``<folder_prefix><host>-<pid>-<n>`` of gone processes (the warm
    pool's, the grader servers'). Returns how many boxes."""
    client = docker_client(config.docker_timeout_s)
    host = owner_id().rsplit("-", 1)[0]
    pattern = re.compile(rf"^{re.escape(box_prefix)}(.+)-(\d+)-(\d+){box_suffix}$")
    removed = 0
    for container in client.containers.list(all=True, filters={"name": box_prefix}, ignore_removed=True):
        match = pattern.match(container.name)
        if match is None:
            continue
        dead_here = match.group(1) == host and not _pid_alive(int(match.group(2)))
        if dead_here or container.status in ("exited", "dead"):
            remove_by_force(container)
            removed += 1
    root: Path = config.work_dir
    if root.is_dir():
        folder_pattern = re.compile(rf"^{re.escape(folder_prefix)}(.+)-(\d+)-(\d+)$")
        for folder in root.iterdir():
            match = folder_pattern.match(folder.name)
            if match and match.group(1) == host and not _pid_alive(int(match.group(2))):
                shutil.rmtree(folder, ignore_errors=True)
    return removed
