"""What issue 17's grader server is worth: the machine's CPU per grader run, a fresh grader box per run (today)
against a forked child of one long-lived grader box (``grader_runner.py --serve``).

Both sides grade the same hidden tests (the word-frequencies grader's, whose `student` calls are answered
here by a stub that fails each call: the grader's side of a run, without a student box) in boxes made with
the grader box's real options (``sandbox.boxes.grader_box``). Only the grader's half of a run is measured;
a whole run also starts a student box, which the server does not change.

    .venv/bin/python -m bench.grader_server --runs 30
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import time
from pathlib import Path
from typing import Any

from bench.common import CpuMeter
from sandbox import SandboxConfig, declared_tests
from sandbox.boxes import etc_files, grader_box
from sandbox.engine import docker_client
from sandbox.images import ensure_image
from sandbox.runners import gradient_wire as wire
from sandbox.spec import GradingJob

ROOT = Path(__file__).resolve().parents[1]
GRADER = ROOT / "graders" / "python-foundations" / "word-frequencies"
DEADLINE_S = 60.0


def listen(path: Path) -> socket.socket:
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    path.chmod(0o666)
    sock.listen(1)
    sock.settimeout(DEADLINE_S)
    return sock


def accept_warm(listener: socket.socket) -> wire.Channel:
    conn, _ = listener.accept()
    listener.close()
    channel = wire.Channel(conn, max_frame=16 * 1024 * 1024)
    assert channel.recv(deadline=time.monotonic() + DEADLINE_S)["op"] == wire.Op.WARM
    return channel


def copy_tests(target: Path) -> None:
    target.mkdir(parents=True, mode=0o755)
    for test_file in GRADER.glob("test_*.py"):
        shutil.copyfile(test_file, target / test_file.name)
        (target / test_file.name).chmod(0o644)


def grade(channel: wire.Channel, tests: str) -> int:
    """Go, run every test, answer each request to student code with an error; the number of tests."""
    channel.send({"op": wire.Op.GO, "tests": tests, "secret": "bench", "submission": "bench", "llm": None})
    done = 0
    while True:
        frame = channel.recv(deadline=time.monotonic() + DEADLINE_S)
        op = frame.get("op")
        if op == wire.Op.COLLECTED:
            channel.send({"op": wire.Op.RUN})
        elif op in wire.REQUESTS:
            channel.send_bytes(wire.stopped_frame(wire.StopReason.CRASH, "RuntimeError", "no student box here"))
        elif op == wire.Op.TEST:
            done += 1
        elif op in (wire.Op.DONE, wire.Op.GRADER_ERROR):
            return done


def job(tag_image: str) -> GradingJob:
    return GradingJob(
        run_name="bench-grader", image=tag_image, student_files={}, module="solution", grader_dir=GRADER,
        declared_tests=declared_tests(GRADER),
    )


def fresh_boxes(client: Any, tag: str, work: Path, runs: int, runtime: str) -> float:
    """Today: a grader box per run, created, started, used once and removed."""
    with CpuMeter() as meter:
        for index in range(runs):
            inbox = work / f"fresh-{index}"
            copy_tests(inbox / "tests")
            inbox.chmod(0o755)
            listener = listen(inbox / "chan.sock")
            command, options = grader_box(job("python"), name=f"gradient-bench-fresh-{os.getpid()}-{index}",
                                          inbox=inbox, etc_dir=etc_files(work), runtime=runtime)
            container = client.containers.create(tag, command, **options)
            try:
                container.start()
                channel = accept_warm(listener)
                grade(channel, "/box/in/tests")
                channel.close()
            finally:
                container.remove(force=True)
                shutil.rmtree(inbox, ignore_errors=True)
    return meter.platform / runs


def server_box(client: Any, tag: str, work: Path, runs: int, runtime: str) -> tuple[float, float]:
    """The lever: one box, a forked child per run. Returns (CPU per run, CPU of starting the server)."""
    inbox = work / "server"
    (inbox / "runs").mkdir(parents=True, mode=0o755)
    inbox.chmod(0o755)
    control_listener = listen(inbox / "control.sock")
    command, options = grader_box(job("python"), name=f"gradient-bench-server-{os.getpid()}", inbox=inbox,
                                  etc_dir=etc_files(work), runtime=runtime)
    assert command[3].endswith("grader_runner.py") and command[4] == "/box/in/chan.sock", command  # grader_box's layout
    command = [*command[:4], "--serve", "/box/in/control.sock", "/box/in/runs", *command[5:]]
    container = client.containers.create(tag, command, **options)
    try:
        with CpuMeter() as start_meter:
            container.start()
            control = accept_warm(control_listener)
        with CpuMeter() as meter:
            for index in range(runs):
                run = f"r{index}"
                copy_tests(inbox / "runs" / run / "tests")
                (inbox / "runs" / run).chmod(0o755)
                listener = listen(inbox / "runs" / run / "chan.sock")
                control.send({"op": wire.Op.FORK, "run": run})
                assert control.recv(deadline=time.monotonic() + DEADLINE_S)["op"] == wire.Op.FORKED
                channel = accept_warm(listener)
                grade(channel, f"/box/in/runs/{run}/tests")
                channel.close()
                assert control.recv(deadline=time.monotonic() + DEADLINE_S)["op"] == wire.Op.EXITED
                shutil.rmtree(inbox / "runs" / run)
        control.close()
    finally:
        container.remove(force=True)
        shutil.rmtree(inbox, ignore_errors=True)
    return meter.platform / runs, start_meter.platform


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    config = SandboxConfig.from_env()
    tag = ensure_image("python", config=config, build=False)
    client = docker_client(config.docker_timeout_s)
    work = config.work_dir / f"bench-grader-server-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        fresh = fresh_boxes(client, tag, work, args.runs, config.runtime)
        forked, start = server_box(client, tag, work, args.runs, config.runtime)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"grader side of a run, machine CPU per run over {args.runs} runs ({config.runtime}):")
    print(f"  a fresh grader box per run:      {fresh * 1000:6.0f} ms")
    print(f"  a forked child of a grader server: {forked * 1000:6.0f} ms  (starting the server once: {start * 1000:.0f} ms)")
    print(f"  saved per run: {(fresh - forked) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
