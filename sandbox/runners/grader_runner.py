"""Runs inside the grader box: the hidden pytest tests, with ``student`` proxied to the student box.

    python3 -I -B /opt/gradient/grader_runner.py SOCKET [PRELOAD ...]
    python3 -I -B /opt/gradient/grader_runner.py --serve CONTROL_SOCKET RUNS_DIR [PRELOAD ...]

Like the student runner, it connects, imports pytest and the slow libraries the tests use, says ``warm`` and
waits for ``{"op": "go", "tests": TESTS_DIR}``: the worker may start the box before the run exists.
Each finished test is sent to the worker at once (``{"op": "test", ...}``), so the tests that finished keep
their points when a limit stops the run later; ``{"op": "done"}`` closes the run. The worker checks every
name against the tests it found in the grader's source and computes the score itself.

``--serve`` makes the box a grader server for many runs of one grader (``serve``): the parent imports pytest
and the preloads once, then forks a child per run, which grades that run exactly as above and exits.
"""

from __future__ import annotations

import importlib
import os
import re
import select
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
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


# What each pytest.main() call imports when it starts (its built-in plugins, and pdb, unittest, xml.etree,
# faulthandler... that they pull in), imported before "warm" rather than after "go": in a grader box of its
# own the student no longer waits for them, and a grader server's children never import them again. In a forked child's trivial run: 75 -> 52 ms of CPU (python
# image), 61 -> 47 ms (ml image), medians of ten.
PYTEST_STARTUP = ("pdb", "faulthandler", "readline", "_pytest._argcomplete")


def preload(modules: list[str]) -> None:
    """Import pytest's start-up (PYTEST_STARTUP, its built-in plugins) and then the job's slow libraries."""
    from _pytest.config import default_plugins, essential_plugins

    plugins = [f"_pytest.{name}" for name in (*essential_plugins, *default_plugins)]
    for name in (*plugins, *PYTEST_STARTUP, *modules):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112 - not in this image: a test that imports it will say so
            continue


def main() -> int:
    if sys.argv[1:2] == ["--serve"]:
        return serve(sys.argv[2], sys.argv[3], sys.argv[4:])
    return grade_one(sys.argv[1], sys.argv[2:])


def grade_one(socket_path: str, modules: list[str]) -> int:
    """One run: connect to the worker's socket for it, say ``warm``, wait for ``go``, run the tests."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path)
    # The worker's answer frames wrap a student frame of up to DEFAULT_MAX_FRAME in a few bytes of its own.
    channel = wire.Channel(sock, max_frame=wire.DEFAULT_MAX_FRAME + 1024)
    preload(modules)
    channel.send({"op": Op.WARM})
    try:
        go = channel.recv()
    except wire.WireError:
        return 0  # the worker went away before handing over a run
    tests_dir = go.get("tests")
    if go.get("op") != Op.GO or type(tests_dir) is not str:
        return 0
    if "GRADIENT_DATA_DIR" not in os.environ:  # a grader server's child finds the run's tests in its own folder
        gradient_grader.DATA_DIR = Path(tests_dir) / "data"
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


# ------------------------------------------------------------------------------------------ the grader server

RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # one path component, never "." or ".."
OUTPUT_FILE = "output.txt"  # in a child's scratch folder: what the run's grader printed
DEFAULT_OUTPUT_BYTES = 64 * 1024
MAX_OUTPUT_BYTES = 1024 * 1024  # the exited report stays well under the control channel's frame limit


@dataclass(frozen=True)
class Child:
    """A run's child, as the server keeps it: the run's name, its scratch folder, how much output to report."""

    run: str
    scratch: str
    output_bytes: int


def serve(control_path: str, runs_dir: str, modules: list[str]) -> int:
    """A grader server: import once, fork a child per run.

    The parent connects to the worker's control socket, imports pytest and the preloads, says ``warm`` and
    then only obeys the worker: ``fork`` starts a child for a run (answered ``forked``), ``kill`` kills a
    run's child and all it started, and each child's end is reported (``exited``, with its exit code or
    signal and the last ``output_bytes``, a number in ``fork``, of what it printed). The parent never talks to a student box: only a child does, through the worker, over the run's
    own socket (``RUNS_DIR/NAME/chan.sock``, made by the worker). A child makes itself the first the kernel
    kills when the box runs out of memory (``oom_score_adj`` 1000), so a run that exhausts the memory takes
    neither the parent nor another run with it; it has a process group of its own (``kill`` reaches the
    processes it started) and a private scratch folder, removed when it ends. A ``fork`` that cannot start
    (the box's pids or memory spent, or a child of that run's name still running) is answered ``exited``
    with an ``error``: that run fails, not the server. When the worker closes the control socket, the
    children are killed and the server exits.

    Left to the worker (sandbox/grader_server.py): children share the parent's string-hash seed and
    numpy/torch global random state, so it starts a new server after some runs. A process of the grader's
    own code that leaves its run's process group (``setsid``) outlives the run until its server is replaced:
    grader code is the exercise author's, never a submission's."""
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    control.connect(control_path)
    channel = wire.Channel(control)
    preload(modules)
    import gc

    gc.freeze()  # what the parent imported stays out of the children's collections: fewer pages copied
    wake_read, wake_write = os.pipe()
    for fd in (wake_read, wake_write):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that the wake-up descriptor hears of it
    children: dict[int, Child] = {}
    channel.send({"op": Op.WARM})
    try:
        while True:
            readable, _, _ = select.select([control, wake_read], [], [])
            if wake_read in readable:
                while True:
                    try:
                        if not os.read(wake_read, 512):
                            break
                    except BlockingIOError:
                        break
                _reap(children, channel)
            if control in readable:
                try:
                    command = channel.recv()
                except wire.WireError:
                    return 0  # the worker closed the server
                _obey(command, children, channel, runs_dir, wake_fds=(wake_read, wake_write))
    finally:
        for pid in list(children):
            _kill_group(pid)
        while children:
            try:
                pid, _ = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            _forget(children.pop(pid, None))


def _obey(command: dict[str, Any], children: dict[int, Child], channel: wire.Channel, runs_dir: str,
          *, wake_fds: tuple[int, int]) -> None:
    run = command.get("run")
    if type(run) is not str or not RUN_NAME.fullmatch(run):
        return
    if command.get("op") == Op.KILL:
        for pid, child in children.items():
            if child.run == run:
                _kill_group(pid)
        return
    if command.get("op") != Op.FORK:
        return
    if any(child.run == run for child in children.values()):
        # A run's name is its one handle: a second child of that name would make `kill` and `exited` ambiguous.
        channel.send({"op": Op.EXITED, "run": run, "error": "a child of this run is still running"})
        return
    scratch = ""
    try:
        scratch = tempfile.mkdtemp(prefix="run-", dir=tempfile.gettempdir())  # mode 0700
        pid = os.fork()
    except OSError as exc:  # the box's pids or memory are spent: this run fails, not the server's others
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        channel.send({"op": Op.EXITED, "run": run, "error": f"could not start the run's process: {exc}"})
        return
    if pid == 0:  # the child: never returns into the server's loop
        code = 1
        try:
            _become_child(channel, scratch, wake_fds)
            code = grade_one(os.path.join(runs_dir, run, "chan.sock"), [])
        finally:
            for stream in (sys.stdout, sys.stderr):  # os._exit skips it: what the run printed would be lost
                try:
                    stream.flush()
                except Exception:  # noqa: BLE001,S110 - nothing more to save
                    pass
            os._exit(code)
    try:
        os.setpgid(pid, pid)  # the child does it too: whichever runs first, `kill` can reach the group at once
    except (ProcessLookupError, PermissionError):
        pass
    cap = command.get("output_bytes")
    cap = min(max(cap, 0), MAX_OUTPUT_BYTES) if type(cap) is int else DEFAULT_OUTPUT_BYTES
    children[pid] = Child(run, scratch, cap)
    channel.send({"op": Op.FORKED, "run": run, "pid": pid})


def _become_child(channel: wire.Channel, scratch: str, wake_fds: tuple[int, int]) -> None:
    """What separates a run's child from the server and from other runs."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    channel.close()  # the control socket and the wake-up pipe are the parent's alone
    for fd in wake_fds:
        os.close(fd)
    os.setpgid(0, 0)
    try:
        with open("/proc/self/oom_score_adj", "w", encoding="ascii") as adj:  # raising it needs no privilege
            adj.write("1000")
    except OSError:  # a kernel that does not offer it (gVisor's may not): the run goes on without
        pass
    os.chdir(scratch)
    # What the run's grader prints goes to a file of its own (the box's log is shared by every run); the server
    # reports its end with the child's end.
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # what the parent had buffered is the parent's, not the run's
    output = os.open(os.path.join(scratch, OUTPUT_FILE), os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    for stream_fd in (1, 2):
        os.dup2(output, stream_fd)
    os.close(output)
    # Every per-user cache (HOME's ~/.cache, matplotlib's, Hugging Face's) in the run's scratch folder, which
    # goes with the run, not in the box's /tmp, which the next run would find.
    for variable, sub in (("TMPDIR", ""), ("HOME", ""), ("MPLCONFIGDIR", "matplotlib"), ("HF_HOME", "hf")):
        os.environ[variable] = os.path.join(scratch, sub) if sub else scratch
    tempfile.tempdir = scratch
    # Python reseeds `random` in a forked child; numpy's and torch's global generators it does not. A grader
    # that draws from them unseeded would draw the same inputs in every run of a server: fresh ones per run.
    if "numpy.random" in sys.modules:  # (numpy imports it lazily: a child that draws creates a fresh one)
        sys.modules["numpy.random"].seed()
    if "torch" in sys.modules:
        sys.modules["torch"].seed()


def _reap(children: dict[int, Child], channel: wire.Channel) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        entry = children.pop(pid, None)
        if entry is None:
            continue
        _kill_group(pid)  # what the run's child started dies with it
        output = _read_output(entry)
        _forget(entry)  # before the report: once the worker hears of the end, nothing of the run is left
        report: dict[str, Any] = {"op": Op.EXITED, "run": entry.run, "pid": pid, "output": output}
        if os.WIFSIGNALED(status):
            report["signal"] = os.WTERMSIG(status)
        else:
            report["code"] = os.waitstatus_to_exitcode(status)
        channel.send(report)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_output(child: Child) -> str:
    """The last ``output_bytes`` of what the run's child printed (its stdout and stderr, a file in its scratch
    folder), as text. The server only copies it: the worker cleans and caps it like a box's log."""
    if child.output_bytes == 0:
        return ""
    try:
        fd = os.open(os.path.join(child.scratch, OUTPUT_FILE), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    try:
        size = os.fstat(fd).st_size
        os.lseek(fd, max(0, size - child.output_bytes), os.SEEK_SET)
        data = os.read(fd, child.output_bytes)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return data.decode("utf-8", errors="replace")


def _forget(entry: Child | None) -> None:
    if entry is not None:
        shutil.rmtree(entry.scratch, ignore_errors=True)
        if os.path.exists(entry.scratch):  # a process of the group was still writing when it was killed: once more
            shutil.rmtree(entry.scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
