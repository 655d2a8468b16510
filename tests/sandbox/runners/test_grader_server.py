"""grader_runner.py --serve, the grader server of issue 17, as a local process (no box): the worker's side of
its protocol is played here with real Unix sockets, as the worker will play it with the server in a box.

What it must keep: every run is graded by a fresh child (its own process, process group, scratch folder and
module state), a child that is killed (by the worker, or by the kernel for memory) takes neither the server
nor the next run with it, a child is the first the kernel kills for memory, and closing the control socket
ends the server and every child."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.runners import gradient_wire as wire  # the worker's copy of the wire

RUNNERS = Path(__file__).resolve().parents[3] / "sandbox" / "runners"

DEADLINE_S = 30.0

GRADER = '''
import os
import time

import gradient_grader


def test_reports_who_graded():
    assert False, (
        f"pid={os.getpid()} pgid={os.getpgid(0)} cwd={os.getcwd()} home={os.environ['HOME']} "
        f"sent={gradient_grader._hidden_sent['run']}"
    )


def test_passes():
    gradient_grader._hidden_sent["run"] = "touched"  # module state a later run must not see
    assert True
'''

STALLS = '''
import time


def test_stalls():
    time.sleep(120)
'''

KILLED_FOR_MEMORY = '''
import os
import signal


def test_killed():
    os.kill(os.getpid(), signal.SIGKILL)  # what the kernel's OOM killer does to the child
'''


def listener(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.listen(1)
    sock.settimeout(DEADLINE_S)
    return sock


class Server:
    """The worker's end: the control channel, and one listener per run."""

    def __init__(self, root: Path, preload: tuple[str, ...] = ()) -> None:
        self.root = root
        (root / "runs").mkdir()
        control = listener(root / "control.sock")
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(RUNNERS / "grader_runner.py"), "--serve",
             str(root / "control.sock"), str(root / "runs"), *preload],
            cwd=root,
            # As in the box: no pytest plugins but the runner's own, no settings of the pytest running this.
            env={"PATH": os.environ["PATH"], "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )
        conn, _ = control.accept()
        control.close()
        self.control = wire.Channel(conn)
        assert self.control.recv(deadline=time.monotonic() + DEADLINE_S)["op"] == wire.Op.WARM

    def fork(self, run: str, grader_source: str) -> tuple[int, wire.Channel]:
        run_dir = self.root / "runs" / run
        (run_dir / "tests").mkdir(parents=True)
        (run_dir / "tests" / "test_hidden.py").write_text(textwrap.dedent(grader_source), encoding="utf-8")
        run_listener = listener(run_dir / "chan.sock")
        self.control.send({"op": wire.Op.FORK, "run": run})
        forked = self.recv_control()
        assert forked["op"] == wire.Op.FORKED and forked["run"] == run
        conn, _ = run_listener.accept()
        run_listener.close()
        channel = wire.Channel(conn)
        assert channel.recv(deadline=time.monotonic() + DEADLINE_S)["op"] == wire.Op.WARM
        channel.send({"op": wire.Op.GO, "tests": str(run_dir / "tests"), "secret": "s", "submission": run, "llm": None})
        return forked["pid"], channel

    def recv_control(self) -> dict[str, Any]:
        return self.control.recv(deadline=time.monotonic() + DEADLINE_S)

    def recv_exited(self) -> tuple[dict[str, Any], str]:
        """The next control frame, an ``exited`` report, less the child's output; and that output."""
        frame = self.recv_control()
        assert frame["op"] == wire.Op.EXITED, frame
        return frame, frame.pop("output", "")

    def close(self) -> None:
        self.control.close()
        try:
            self.process.wait(timeout=DEADLINE_S)
        finally:
            if self.process.poll() is None:
                self.process.kill()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "server"
    root.mkdir()
    started = Server(root)
    yield started
    started.close()


def grade(channel: wire.Channel) -> dict[str, dict[str, Any]]:
    """Run every test and collect the results, as the worker does."""
    frame = channel.recv(deadline=time.monotonic() + DEADLINE_S)
    assert frame["op"] == wire.Op.COLLECTED, frame
    channel.send({"op": wire.Op.RUN})
    results: dict[str, dict[str, Any]] = {}
    while True:
        frame = channel.recv(deadline=time.monotonic() + DEADLINE_S)
        if frame["op"] == wire.Op.DONE:
            return results
        assert frame["op"] == wire.Op.TEST, frame
        results[frame["name"]] = frame


def fields(message: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in message.split() if "=" in part)


def test_each_run_is_graded_by_a_fresh_child_of_its_own(server: Server) -> None:
    seen = []
    for run in ("run-1", "run-2"):
        pid, channel = server.fork(run, GRADER)
        assert int(Path(f"/proc/{pid}/oom_score_adj").read_text()) == 1000  # the first the kernel kills
        results = grade(channel)
        assert results["test_passes"]["outcome"] == "passed"
        facts = fields(results["test_reports_who_graded"]["message"])
        assert facts["pid"] == str(pid) and facts["pgid"] == str(pid)  # a process group of its own
        assert facts["sent"] == "None"  # the last run's module state did not carry over
        assert Path(facts["cwd"]).name.startswith("run-") and facts["cwd"] not in [s["cwd"] for s in seen]
        assert facts["home"] == facts["cwd"]  # per-user caches go with the run
        seen.append(facts)
        exited, output = server.recv_exited()
        assert exited == {"op": "exited", "run": run, "pid": pid, "code": 0}
        assert "1 failed, 1 passed" in output  # what the run's pytest printed, reported with its end
        assert not Path(facts["cwd"]).exists()  # the scratch folder went with the child
    assert server.process.poll() is None


def test_a_killed_child_takes_neither_the_server_nor_the_next_run(server: Server) -> None:
    stalled, channel = server.fork("stalled", STALLS)
    channel.recv(deadline=time.monotonic() + DEADLINE_S)  # collected
    channel.send({"op": wire.Op.RUN})
    server.control.send({"op": wire.Op.FORK, "run": "stalled"})  # a retry while the first is still running
    assert server.recv_control() == {"op": "exited", "run": "stalled", "error": "a child of this run is still running"}
    server.control.send({"op": wire.Op.KILL, "run": "stalled"})
    assert server.recv_exited()[0] == {"op": "exited", "run": "stalled", "pid": stalled, "signal": signal.SIGKILL}

    oom, channel = server.fork("oom", KILLED_FOR_MEMORY)
    channel.recv(deadline=time.monotonic() + DEADLINE_S)
    channel.send({"op": wire.Op.RUN})
    assert server.recv_exited()[0] == {"op": "exited", "run": "oom", "pid": oom, "signal": signal.SIGKILL}

    _, channel = server.fork("after", GRADER)
    assert grade(channel)["test_passes"]["outcome"] == "passed"
    assert server.recv_exited()[0]["code"] == 0


UNSEEDED_DRAW = '''
import numpy as np


def test_draws():
    assert False, f"draw={np.random.randint(1 << 62)}"
'''


def test_children_draw_fresh_numbers_from_numpys_global_generator(tmp_path: Path) -> None:
    # The parent imported numpy (a preload): without a reseed every child would start from its state.
    root = tmp_path / "numpy-server"
    root.mkdir()
    server = Server(root, preload=("numpy.random",))  # as scikit-learn or torch import it
    try:
        draws = set()
        for run in ("first", "second"):
            _, channel = server.fork(run, UNSEEDED_DRAW)
            draws.add(grade(channel)["test_draws"]["message"])
            server.recv_exited()
        assert len(draws) == 2, draws
    finally:
        server.close()


def test_a_run_name_that_is_not_one_path_component_is_ignored(server: Server) -> None:
    for bad in ("../escape", ".", "a/b", "", 7):
        server.control.send({"op": wire.Op.FORK, "run": bad})
    _, channel = server.fork("fine", GRADER)  # the next answer is this run's: nothing was forked for the others
    assert grade(channel)["test_passes"]["outcome"] == "passed"


def test_closing_the_control_socket_ends_the_server_and_its_children(server: Server) -> None:
    pid, channel = server.fork("stalled", STALLS)
    channel.recv(deadline=time.monotonic() + DEADLINE_S)
    channel.send({"op": wire.Op.RUN})
    server.close()
    assert server.process.returncode == 0
    deadline = time.monotonic() + DEADLINE_S
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists()
