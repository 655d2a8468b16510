"""Runs inside the grader box: the hidden pytest tests, with ``student`` proxied to the student box.

    python3 -I -B /opt/gradient/grader_runner.py SOCKET [PRELOAD ...]

Like the student runner, it connects, imports pytest and the slow libraries the tests use, says ``warm`` and
waits for ``{"op": "go", "tests": TESTS_DIR}``: the worker may start the box before the run exists.
Each finished test is sent to the worker at once (``{"op": "test", ...}``), so the tests that finished keep
their points when a limit stops the run later; ``{"op": "done"}`` closes the run. The worker checks every
name against the tests it found in the grader's source and computes the score itself.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402

import gradient_grader  # noqa: E402
import gradient_wire as wire  # noqa: E402
from gradient_wire import Op, TestResultOutcome  # noqa: E402

MAX_MESSAGE = 2000


def failure_message(excinfo: Any, *, shows_expected: bool = False, grader_dir: str = "") -> tuple[str, str]:
    """(outcome, message) for a test that raised. Unless the test is marked @shows_expected, an assertion's
    message never shows the expected value (see hidden_assertion_message)."""
    exc = excinfo.value
    if isinstance(exc, gradient_grader.StudentTimeout):
        return TestResultOutcome.TIMEOUT, "Your code ran past the time limit for one call."
    if isinstance(exc, gradient_grader.StudentError):
        text = f"Your code raised {exc.type_name}"
        if exc.message:
            text += f": {exc.message}"
        if exc.student_traceback:
            text += "\n" + exc.student_traceback
        return TestResultOutcome.FAILED, text
    if isinstance(exc, AssertionError):
        if not shows_expected:
            return TestResultOutcome.FAILED, hidden_assertion_message(excinfo, grader_dir)
        message = str(exc).split("\nassert ")[0].strip() or "a check failed"
        return TestResultOutcome.FAILED, message
    if isinstance(exc, wire.WireError):
        return TestResultOutcome.ERROR, f"The answer from your code could not be read: {exc}"
    return TestResultOutcome.ERROR, f"{type(exc).__name__}: {exc}"


def hidden_assertion_message(excinfo: Any, grader_dir: str) -> str:
    """The feedback of a failed check in a test that keeps its expected values hidden.

    - A bare ``assert got == want``: pytest's first line, where pytest_assertrepr_compare (below) has put only
      the left operand, by convention the student's value: "assert [1, 2] == (hidden)". Pytest's further
      lines ("where 6 = reference(5)", diffs) would show the right operand and are dropped.
    - ``assert check, message`` or ``raise AssertionError(message)`` in the grader: the grader's message (the
      catalog checks that it interpolates no expected value unless through ``expected()``).
    - An AssertionError raised in library code (numpy.testing, torch.testing): such messages print both
      values, so only that a check failed is said.
    """
    text = str(excinfo.value)
    raised_in = str(excinfo.traceback[-1].path) if len(excinfo.traceback) else ""
    ours = (grader_dir and raised_in.startswith(grader_dir.rstrip("/") + "/")) or raised_in == gradient_grader.__file__
    if not ours:
        return (
            f"a check failed ({type(excinfo.value).__name__} in {os.path.basename(raised_in) or 'a library'}); "
            "its details are not shown because they would show the expected value"
        )
    message, glue, _ = text.partition("\nassert ")  # the grader's message, then pytest's explanation
    if glue:
        return message.strip() or "a check failed"
    if text.startswith("assert "):  # a bare assert: pytest's explanation only
        lines = text.splitlines()
        if len(lines) > 1:
            return lines[0] + "  (details not shown: they would show the expected value)"
        return lines[0]
    return text.strip() or "a check failed"


def shows_expected(item: Any) -> bool:
    """Whether the test is marked @shows_expected (read from the function, like @points)."""
    return getattr(getattr(item, "function", None), "gradient_shows_expected", False) is True


class GradientPlugin:
    def __init__(self, channel: wire.Channel) -> None:
        self.channel = channel
        self.results: dict[str, dict[str, str]] = {}
        self.collected: list[str] = []

    @pytest.fixture
    def student(self) -> Any:
        return gradient_grader.student_module()

    @pytest.fixture
    def student_globals(self) -> Any:
        """The student's globals as a dict (for tests brought from notebooks: exec, doctest)."""
        return gradient_grader.student_globals()

    @pytest.fixture
    def llm(self) -> Any:
        """The test's scripted model (graders/README.md, "A scripted model"): script it, then read its requests."""
        return gradient_grader.model()

    @pytest.fixture
    def rng(self, request: Any) -> Any:
        """A NumPy generator seeded from the test's name: random inputs, the same on every run."""
        import numpy as np

        return np.random.default_rng(gradient_grader.seed_for(request.node.name))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Any:
        """Tell gradient_grader which test runs and whether its feedback may show expected values."""
        gradient_grader.begin_test(item.name, shows=shows_expected(item))
        try:
            return (yield)
        finally:
            gradient_grader.begin_test(None, shows=False)

    @pytest.hookimpl(tryfirst=True)
    def pytest_assertrepr_compare(self, config: Any, op: str, left: Any, right: Any) -> list[str] | None:
        """A failed comparison in a test without @shows_expected shows the left operand only."""
        if gradient_grader.showing_expected():
            return None  # pytest's own explanation, with both values and a diff
        from _pytest._io.saferepr import saferepr

        return [f"{saferepr(left, maxsize=gradient_grader.MAX_EXPECTED_REPR)} {op} {gradient_grader.HIDDEN}"]

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        self.collected = [item.name for item in items]
        self.channel.send({"op": Op.COLLECTED, "tests": self.collected})

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: Any) -> bool | None:
        """Run the tests when and in the groups the worker says: ``{"op": "run", "tests": [...]}`` runs those
        now (a notebook's check point: that question's tests against the notebook's state at that point)
        and answers ``ran``; ``{"op": "run"}`` runs every test not yet run and ends the session. Each test
        runs at most once, whatever the worker asks."""
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            return None  # collection failed: pytest's own loop reports it
        remaining = list(session.items)
        while True:  # until the worker's last "run" (every test not yet run; there may be none left)
            try:
                command = self.channel.recv()
            except wire.WireError:
                return True  # the worker went away: nothing more to run
            if command.get("op") != Op.RUN:
                return True
            names = command.get("tests")
            chosen = set(names) if type(names) is list else None
            batch = [item for item in remaining if chosen is None or item.name in chosen]
            remaining = [item for item in remaining if item not in batch]
            for index, item in enumerate(batch):
                # After a batch, the next test still to run (in file order): pytest keeps the module and session
                # fixtures it shares (a fixture that sends hidden inputs once must not set up again).
                following = batch[index + 1] if index + 1 < len(batch) else (remaining[0] if remaining else None)
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                if session.shouldfail or session.shouldstop:
                    return True
            if chosen is None:
                return True
            self.channel.send({"op": Op.RAN})

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Any:
        report = yield
        name = item.name
        if call.when == "call" or (call.when == "setup" and call.excinfo is not None):
            if call.excinfo is None:
                outcome, message = TestResultOutcome.PASSED, ""
            elif call.excinfo.errisinstance(pytest.skip.Exception):
                outcome, message = TestResultOutcome.FAILED, "This test was skipped, which counts as failed."
            else:
                outcome, message = failure_message(
                    call.excinfo, shows_expected=shows_expected(item), grader_dir=str(item.path.parent)
                )
                if call.when == "setup" and outcome == TestResultOutcome.FAILED:
                    outcome = TestResultOutcome.ERROR
            overrun = gradient_grader.model().overrun
            if overrun and call.when == "call":  # past the model's budget: failed, whatever the checks said
                failed = outcome != TestResultOutcome.PASSED
                outcome = TestResultOutcome.FAILED
                message = overrun + (f"\n{message}" if failed and message else "")
            self.results[name] = {"outcome": outcome, "message": message[:MAX_MESSAGE]}
        if call.when == "teardown" and name in self.results:
            self.channel.send({"op": Op.TEST, "name": name, **self.results[name]})
        return report

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.channel.send({"op": Op.GRADER_ERROR, "message": str(report.longrepr)[-MAX_MESSAGE:]})


def preload(modules: list[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112 - not in this image: a test that imports it will say so
            continue


def main() -> int:
    socket_path = sys.argv[1]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path)
    # The worker's answer frames wrap a student frame of up to DEFAULT_MAX_FRAME in a few bytes of its own.
    channel = wire.Channel(sock, max_frame=wire.DEFAULT_MAX_FRAME + 1024)
    preload(sys.argv[2:])
    channel.send({"op": Op.WARM})
    try:
        go = channel.recv()
    except wire.WireError:
        return 0  # the worker went away before handing over a run
    tests_dir = go.get("tests")
    if go.get("op") != Op.GO or type(tests_dir) is not str:
        return 0
    secret = go.get("secret")
    submission, llm = go.get("submission"), go.get("llm")
    gradient_grader.connect(
        channel,
        secret=secret if type(secret) is str else "",
        submission=submission if type(submission) is str else "",
        llm=llm if type(llm) is dict else None,
    )
    plugin = GradientPlugin(channel)
    code = pytest.main(
        [
            tests_dir,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:stepwise",
            "--rootdir",
            tests_dir,
            "--import-mode=importlib",
            "-o",
            "python_files=test_*.py",
            "--tb=short",
        ],
        plugins=[plugin],
    )
    channel.send({"op": Op.DONE, "exit_code": int(code)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
