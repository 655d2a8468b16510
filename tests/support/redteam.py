"""The red-team suite's harness (tests/sandbox): malicious submissions graded by the real sandbox, checked
for what every run must hold whatever the submission did. Only the ``sandbox`` package: no Django."""

from __future__ import annotations

import dataclasses
import os
import textwrap
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sandbox import GradingJob, Limits, Outcome, SandboxConfig, SandboxUnavailable, WarmPool, run_job
from sandbox.boxes import pair_key, run_containers
from sandbox.engine import docker_client
from sandbox.images import ensure_image
from sandbox.manifest import declared_tests
from tests.support.paths import ROOT

CONFIG = SandboxConfig.from_env()  # what the suite's runs use (scripts/test sets SANDBOX_WORK_DIR)
FIXTURES = ROOT / "tests" / "sandbox" / "fixtures"
ATTACK_GRADER = FIXTURES / "attack"

# Small limits keep the suite fast; tests that need others pass their own.
SMALL_LIMITS = Limits(
    wall_s=20,
    call_timeout_s=2,
    load_timeout_s=5,
    cpu_s=30,
    memory_mb=128,
    pids=64,
    tmpfs_mb=16,
    fsize_mb=8,
    output_kb=64,
)

HONEST = textwrap.dedent(
    """
    def add(a, b):
        return a + b


    def mean(xs):
        if not xs:
            raise ValueError("mean of an empty list")
        return sum(xs) / len(xs)


    def greet(name):
        return f"Hello, {name}!"
    """
)


def leftovers(run_name: str) -> list[str]:
    """What a run left on the host: its containers (by name) and its work folder."""

    found = [
        f"container {c.name} ({c.status})"
        for c in run_containers(docker_client(), run_name)
    ]
    folder = CONFIG.work_dir / run_name
    if folder.exists():
        found.append(f"folder {folder}")
    return found


def attack_job(prefix: str, source: str = HONEST, *, image: str = "python", **limit_changes: Any) -> GradingJob:
    """A job of ``source`` against the attack grader with the suite's limits (some changed), named
    ``<prefix>-<random>``."""
    return GradingJob(
        run_name=f"{prefix}-{uuid.uuid4().hex[:10]}",
        image=image,
        student_files={"solution.py": source.encode()},
        module="solution",
        grader_dir=ATTACK_GRADER,
        declared_tests=declared_tests(ATTACK_GRADER),
        limits=dataclasses.replace(SMALL_LIMITS, **limit_changes),
    )


class Seen:
    """What the run's boxes were, looked up while they still exist (just before their removal)."""

    def __init__(self, job: GradingJob) -> None:
        self.job = job
        self.boxes: dict[str, dict[str, Any]] = {}

    def __call__(self, outcome: Outcome) -> None:
        for container in run_containers(docker_client(), self.job.run_name):
            container.reload()
            self.boxes[container.name.rsplit("-", 1)[1]] = container.attrs


class Grade:
    """``grade(source, limits=None)`` -> Outcome, asserting that the run left nothing behind.

    With a warm pool, each run takes a pair of boxes that was started (and waited) before its submission
    existed, as on a busy worker; without, it starts its own. Every attack runs both ways."""

    def __init__(self, pool: WarmPool | None = None) -> None:
        self.declared = declared_tests(ATTACK_GRADER)
        self.run_names: list[str] = []
        self.pool = pool

    @property
    def full_marks(self) -> Decimal:
        return self.declared.max_score

    @staticmethod
    def limits(**changes: float) -> Limits:
        """The suite's small limits with some changed."""
        return dataclasses.replace(SMALL_LIMITS, **changes)

    def points(self, *names: str) -> Decimal:
        return sum((t.points for t in self.declared.tests if t.name in names), Decimal(0))

    def __call__(
        self,
        source: str | dict[str, bytes],
        limits: Limits | None = None,
        *,
        notes: tuple[str, ...] = (),
        grader_dir: Path = ATTACK_GRADER,
        ours: bool = False,
        grader_secret: str = "",
    ) -> Outcome:
        """``ours=True`` only for a test of a failure on our side (a broken grader): every other run of the
        suite is a submission's doing, which must never end as an uncharged infrastructure_error."""
        files = {"solution.py": source.encode()} if isinstance(source, str) else dict(source)
        run_name = f"redteam-{uuid.uuid4().hex[:12]}"
        self.run_names.append(run_name)
        job = GradingJob(
            run_name=run_name,
            image="python",
            student_files=files,
            module="solution",
            grader_dir=grader_dir,
            declared_tests=declared_tests(grader_dir),
            limits=limits or SMALL_LIMITS,
            notes=notes,
            grader_secret=grader_secret,
        )
        try:
            if self.pool is None:
                outcome = run_job(job, config=CONFIG)
            else:
                tag = ensure_image(job.image, config=CONFIG)
                taken = self.pool.stats["taken"]
                started = self.pool.refill(pair_key(job, tag, CONFIG.runtime), job, tag)
                assert started is not None and started.result(timeout=60).healthy()
                outcome = run_job(job, config=CONFIG, pool=self.pool)
                assert self.pool.stats["taken"] == taken + 1, "the run did not take the warm pair"
                # A warm run's boxes and folder were the pool's: all gone.
                assert [p.name for p in CONFIG.work_dir.glob(f"pool-{self.pool.owner}-*")] == []
                assert [c.name for c in run_containers(docker_client(), f"pool-{self.pool.owner}")] == []
        except SandboxUnavailable as exc:
            # The sandbox is the thing under test: without it these tests fail (scripts/test starts the
            # engine). A developer may opt in to skipping them on a machine without Docker.
            if os.environ.get("GRADIENT_SKIP_WITHOUT_DOCKER") == "1":
                pytest.skip(f"no sandbox here: {exc}")
            raise
        assert leftovers(run_name) == [], f"run {run_name} left things behind"
        # A submission's doing is the submission's: never a free, uncharged retry.
        assert (outcome.status == "infrastructure_error") == ours, (outcome.status, outcome.messages)
        # Every declared test is reported exactly once, whatever the submission did.
        assert [t.name for t in outcome.tests] == list(job.declared_tests.names)
        assert outcome.max_score == job.declared_tests.max_score
        assert outcome.score == sum((t.points for t in outcome.tests), Decimal(0))
        return outcome
