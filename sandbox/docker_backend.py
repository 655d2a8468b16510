"""One grading run in two fresh, locked-down containers, with the worker relaying between them.

The student box holds only the submission; the grader box holds only the hidden tests. Neither has a
network. Each connects to a Unix socket that this process owns (in a per-run folder mounted read-only), so
every request from the grader to student code, and every answer, passes through here, capped in size and
time. Limits hold from outside: the engine enforces memory, pids, CPU and file limits, and this process kills
a box that overruns its time.

A run has three steps: a pair of boxes (warm from the pool or started now) is handed the job; the relay
(sandbox.relay) moves frames between the boxes and records what it sees; the verdict (sandbox.verdict)
decides, in one place, how the run ended. Then the boxes and the folder are removed.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker.errors

from sandbox import images
from sandbox.box_pair import BoxPair, PairNotReady, remove_by_force
from sandbox.boxes import container_name, etc_files, pair_key, run_containers
from sandbox.config import SandboxConfig
from sandbox.engine import docker_client
from sandbox.errors import ImageMissing
from sandbox.grader_server import grader_servers
from sandbox.pool import WarmPool
from sandbox.relay import CONNECT_TIMEOUT_S, Relay
from sandbox.spec import GradingJob, Outcome, Progress
from sandbox.verdict import Ending, verdict

logger = logging.getLogger(__name__)

TAKE_TIMEOUT_S = 15.0  # waiting for a pool pair that is still starting; then the run starts its own


def work_root() -> Path:
    """``SANDBOX_WORK_DIR`` as the environment sets it now: for tests and one-off scripts only (a run takes
    its folder from the ``SandboxConfig`` it is given)."""
    return SandboxConfig.from_env().work_dir


class BoxRun:
    """One run: its pair of boxes (taken or started), its relay, and their clean-up."""

    def __init__(
        self, job: GradingJob, tag: str, *, config: SandboxConfig, progress: Progress | None,
        pool: WarmPool | None, grader_output: bool,
    ) -> None:
        self.job, self.tag, self.config = job, tag, config
        self.pool = pool
        self.keep_grader_output = grader_output
        self.client = docker_client(config.docker_timeout_s)
        pair = BoxPair(
            config.work_dir / job.run_name, runtime=config.runtime, etc_dir=etc_files(config.work_dir),
            servers=grader_servers(config),
        )
        self.relay = Relay(job, tag, client=self.client, pair=pair, progress=progress)
        self.warm = False  # whether the pair came from the warm pool
        self.started = time.monotonic()

    @property
    def pair(self) -> BoxPair:
        return self.relay.pair

    def key(self) -> str:
        return pair_key(self.job, self.tag, self.config.runtime)

    def get_pair(self) -> None:
        """A warm pair from the pool, renamed after this run, or a pair started now (cold)."""
        if not self.job.first_delivery:
            for leftover in run_containers(self.client, self.job.run_name):
                remove_by_force(leftover)  # what a killed worker left of an earlier delivery of this run
        # And its folder (a warm pair has the pool's): an earlier delivery cut short may have left it.
        shutil.rmtree(self.config.work_dir / self.job.run_name, ignore_errors=True)
        if self.pool is not None:
            pair = self.pool.take(self.key(), timeout=TAKE_TIMEOUT_S)
            if pair is not None:
                self.relay.pair, self.warm = pair, True
                with ThreadPoolExecutor(max_workers=2) as renames:
                    list(renames.map(
                        lambda role: pair.containers[role].rename(container_name(self.job.run_name, role)),
                        list(pair.containers),  # "student", and "grader" unless a grader server serves the run
                    ))
        if not self.warm:
            names = {role: container_name(self.job.run_name, role) for role in ("student", "grader")}
            deadline = time.monotonic() + CONNECT_TIMEOUT_S + self.job.limits.load_timeout_s
            self.pair.start(self.client, self.tag, self.job, names, deadline)
        logger.info("%s: %s pair of boxes", self.job.run_name, "warm" if self.warm else "cold")

    def execute(self) -> None:
        """Boxes, job, relay: what happens is recorded in the relay (``relay.seen``)."""
        try:
            self.get_pair()
        except PairNotReady as exc:
            self.relay.observe(Ending.BOXES_NOT_READY, str(exc))
            return
        self.pair.hand_over(self.job)
        self.pair.go(self.job)
        # The student's time starts now: waiting for boxes is ours, never counted against the submission.
        wall_deadline = time.monotonic() + self.job.limits.wall_s
        if self.relay.load(wall_deadline):
            self.relay.run(wall_deadline)

    def outcome(self) -> Outcome:
        # No kill here: the logs are read from the boxes as they are, and cleanup() removes them by force.
        outcome = verdict(
            self.job,
            self.relay.observations(),
            duration_s=time.monotonic() - self.started,
            student_output=self.relay.student_output(),
            grader_output=self.relay.grader_output() if self.keep_grader_output else "",
        )
        return dataclasses.replace(outcome, warm=self.warm)

    def refill_pool(self) -> None:
        """Start a pair for the next run of this kind: after this run's result, so as not to slow it down."""
        if self.pool is not None:
            self.pool.used(self.key(), self.job, self.tag)

    def cleanup(self) -> None:
        removed = False
        try:
            self.pair.remove()
            removed = True
        finally:
            if self.warm and self.pool is not None:
                self.pool.give_back(self.pair, removed=removed)


def run_job(
    job: GradingJob,
    *,
    config: SandboxConfig,
    progress: Progress | None = None,
    pool: WarmPool | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    grader_output: bool = True,
) -> Outcome:
    """Grade ``job`` (see :func:`sandbox.run_job`). Raises :class:`ImageMissing` when the image is not on the
    engine (never built here) and :class:`SandboxUnavailable` when no engine answers.

    With a ``pool`` the run takes a warm pair of boxes when one of its kind waits there, and leaves another
    starting for the next run. ``on_outcome`` is called with the outcome once: before the boxes are removed,
    so that a caller can commit a result without waiting for that, except for an outcome to be retried,
    which comes after the removal (a retry must not meet this run's boxes). Nothing outlives the call."""
    tag = images.ensure_image(job.image, config=config)
    box = BoxRun(job, tag, config=config, progress=progress, pool=pool, grader_output=grader_output)
    outcome: Outcome
    try:
        try:
            box.execute()
        except docker.errors.ImageNotFound:
            images.forget(tag)  # an operator removed it: look again once it is rebuilt
            named_by = f"SANDBOX_IMAGE_{job.image.upper()}" if config.image_overrides.get(job.image) == tag else ""
            box.relay.observe(Ending.IMAGE_GONE, str(ImageMissing(job.image, tag, variable=named_by)))
        except (docker.errors.APIError, OSError) as exc:
            box.relay.observe(Ending.ENGINE_FAILED, f"the container engine failed: {str(exc)[:500]}")
        outcome = box.outcome()
        if on_outcome is not None and not outcome.retryable:
            on_outcome(outcome)
        box.refill_pool()
    finally:
        box.cleanup()
    if on_outcome is not None and outcome.retryable:
        on_outcome(outcome)
    return outcome
