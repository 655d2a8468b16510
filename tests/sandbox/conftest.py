"""Shared pieces of the red-team suite: malicious submissions graded by the real sandbox.

``grade(source)`` runs a submission (one ``solution.py`` source, or a dict of files) against the hidden
grader in ``fixtures/attack`` with small limits, and asserts that nothing of the run is left behind (no
container named after its run, no work folder). ``honest`` is a correct solution worth full marks;
``probe_submission(body)`` is that solution plus a probe that runs inside the first call into student code
and prints its findings as one ``FACTS=<json>`` line, which ``facts(outcome)`` reads back from the captured
student output. Only the ``sandbox`` package is used: no Django, no database. The harness itself (``Grade``,
the suite's limits, ``leftovers``) is tests/support/redteam.py.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable, Iterator

import pytest

from sandbox import Outcome, SandboxUnavailable, WarmPool
from tests.support.redteam import CONFIG, HONEST, Grade, leftovers

# The fixture graders are hidden tests for the sandbox to run, not tests of this suite.
collect_ignore = ["fixtures"]

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
