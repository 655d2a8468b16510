"""Shared pieces of the red-team suite: malicious submissions graded by the real sandbox.

``grade(source)`` runs a submission (one ``solution.py`` source, or a dict of files) against the hidden
grader in ``fixtures/attack`` with small limits, and asserts that nothing of the run is left behind (no
container named after its run, no work folder). ``honest`` is a correct solution worth full marks;
``probe_submission(body)`` is that solution plus a probe that runs inside the first call into student code
and prints its findings as one ``FACTS=<json>`` line, which ``facts(outcome)`` reads back from the captured
student output. Only the ``sandbox`` package is used: no Django, no database.
"""

from __future__ import annotations

import dataclasses
import json
import os
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox import GradingJob, Limits, Outcome, SandboxConfig, SandboxUnavailable, WarmPool, run_job
from sandbox.boxes import pair_key, run_containers
from sandbox.engine import docker_client
from sandbox.images import ensure_image
from sandbox.manifest import declared_tests

# The fixture graders are hidden tests for the sandbox to run, not tests of this suite.
collect_ignore = ["fixtures"]

CONFIG = SandboxConfig.from_env()  # what the suite's runs use (scripts/test sets SANDBOX_WORK_DIR)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
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

PROBE_TEMPLATE = """
import json as _gradient_json

_gradient_probed = False


def _gradient_probe():
{body}


_gradient_honest_add = add


def add(a, b):
    global _gradient_probed
    if not _gradient_probed:
        _gradient_probed = True
        print("FACTS=" + _gradient_json.dumps(_gradient_probe(), sort_keys=True, default=str), flush=True)
    return _gradient_honest_add(a, b)
"""


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


class Grade:
    """``grade(source, limits=None)`` -> Outcome, asserting that the run left nothing behind.

    With a warm pool, each run takes a pair of boxes that was started (and waited) before its submission
    existed, as on a busy worker; without, it starts its own. Every attack runs both ways."""

    def __init__(self, pool: WarmPool | None = None) -> None:
        self.declared = declared_tests(ATTACK_GRADER)
        self.run_names: list[str] = []
        self.pool = pool

    @property
    def full_marks(self) -> float:
        return float(sum(self.declared.values()))

    @staticmethod
    def limits(**changes: float) -> Limits:
        """The suite's small limits with some changed."""
        return dataclasses.replace(SMALL_LIMITS, **changes)

    def points(self, *names: str) -> float:
        return float(sum(self.declared[n] for n in names))

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
        assert [t.name for t in outcome.tests] == list(job.declared_tests)
        assert outcome.max_score == float(sum(job.declared_tests.values()))
        assert outcome.score == sum(t.points for t in outcome.tests)
        return outcome


@pytest.fixture(params=["cold", "warm"])
def grade(request: pytest.FixtureRequest) -> Iterator[Grade]:
    pool = None
    if request.param == "warm":
        try:
            pool = WarmPool(CONFIG, refill_on_use=False)
        except SandboxUnavailable as exc:
            if os.environ.get("GRADIENT_SKIP_WITHOUT_DOCKER") == "1":
                pytest.skip(f"no sandbox here: {exc}")
            raise
    grader = Grade(pool)
    yield grader
    if pool is not None:
        pool.close()
    # Safety net for runs whose test failed before its own check.
    for run_name in grader.run_names:
        try:
            left = leftovers(run_name)
        except SandboxUnavailable:
            return  # the test was skipped: no engine, so nothing can be left behind
        assert left == [], f"run {run_name} left things behind"


@pytest.fixture
def honest() -> str:
    return HONEST


@pytest.fixture
def probe_submission() -> Callable[[str], str]:
    """The honest solution plus ``_gradient_probe()`` (``body`` returns a JSON-able dict), run in a call."""

    def build(body: str) -> str:
        return HONEST + PROBE_TEMPLATE.format(body=textwrap.indent(textwrap.dedent(body).strip("\n"), "    "))

    return build


@pytest.fixture
def facts() -> Callable[[Outcome], dict]:
    def read(outcome: Outcome) -> dict:
        lines = [line for line in outcome.student_output.splitlines() if line.startswith("FACTS=")]
        assert lines, f"the probe printed nothing; student output: {outcome.student_output[-2000:]!r}"
        return json.loads(lines[-1][len("FACTS=") :])

    return read


def outcomes(outcome: Outcome) -> dict[str, str]:
    return {t.name: t.outcome for t in outcome.tests}


@pytest.fixture
def by_test() -> Callable[[Outcome], dict[str, str]]:
    return outcomes
