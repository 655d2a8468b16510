"""A started pair of boxes, before and after it is handed a submission.

Starting a box is most of a run's cost (engine work, the interpreter, pytest and numpy imports), and none of
it depends on the submission. So a pair is started first, empty: each runner connects to its socket, loads
its heavy imports and says ``warm``. Only then is it handed a job: the worker writes the submission and the
hidden tests into the pair's folders and sends ``go``. The same two steps serve a run that starts its boxes
itself (cold) and one that takes a pair the warm pool started ahead of time (sandbox.pool); a pair is used
for one run only and removed after it, so nothing carries over from one submission to the next.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import docker.errors

from sandbox.boxes import GRADER_TESTS, grader_box, student_box
from sandbox.engine import create_container
from sandbox.grader_server import GraderServer, ServerFailed, ServerRegistry
from sandbox.output import OutputWatcher
from sandbox.runners import gradient_wire as wire
from sandbox.runners.gradient_wire import Op
from sandbox.spec import GradingJob

ROLES = ("student", "grader")
GRADER_MAX_FRAME = 16 * 1024 * 1024


class PairNotReady(Exception):
    """A box of the pair did not start or did not get warm in time (never the student's doing)."""


@dataclass
class BoxPair:
    """A student box and the run's grader: a grader box of its own, or (with ``servers``) a child of the grader
    server of its kind (sandbox.grader_server), whose folder for the run is in the server's."""

    dir: Path
    runtime: str  # the boxes' OCI runtime (SandboxConfig.runtime)
    etc_dir: Path  # the boxes' /etc/hosts and /etc/resolv.conf (sandbox.boxes.etc_files)
    servers: ServerRegistry | None = None  # set: the run's grader is a grader server's child
    server: GraderServer | None = None  # that server, once the pair has started
    server_run: str = ""  # the child's run name on it
    containers: dict[str, Any] = field(default_factory=dict)  # "student", "grader" -> container
    channels: dict[str, wire.Channel] = field(default_factory=dict)
    watchers: dict[str, OutputWatcher] = field(default_factory=dict)  # by key in containers: student boxes
    listeners: dict[str, socket.socket] = field(default_factory=dict)
    created_wall: float = field(default_factory=time.time)

    # ------------------------------------------------------------------ starting, empty

    def inbox(self, role: str) -> Path:
        """The folder a box (or the run's grader child) reads: its socket, and the submission or the tests."""
        if role == "grader" and self.server is not None:
            return self.server.run_dir(self.server_run)
        return self.dir / role

    def make_folders(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, mode=0o755)
        self.dir.chmod(0o755)
        for folder in (self.inbox("student") / "files", self.inbox("grader") / "tests"):
            folder.mkdir(parents=True, mode=0o755)
            for made in (folder, folder.parent):
                made.chmod(0o755)

    def listen(self, role: str) -> None:
        self.listeners[role] = listen_at(self.inbox(role) / "chan.sock")

    def create_student(self, client: Any, tag: str, job: GradingJob, name: str, key: str = "student") -> Any:
        """Create (not start) a student box in the grader box's network namespace (in one of its own beside a
        grader server), its output watched."""
        grader_id = None if self.servers is not None else self.containers["grader"].id
        command, options = student_box(
            job, name=name, inbox=self.inbox("student"), etc_dir=self.etc_dir, grader_id=grader_id,
            runtime=self.runtime,
        )
        container = create_container(client, tag, command, **options)
        self.containers[key] = container
        # Attached before the start, so that a burst of output at start-up is counted too.
        watcher = OutputWatcher(container, job.limits.output_kb * 1024)
        watcher.start()
        self.watchers[key] = watcher
        return container

    def start_student(self, client: Any, tag: str, job: GradingJob, name: str, key: str = "student") -> None:
        self.create_student(client, tag, job, name, key).start()

    def create_grader(self, client: Any, tag: str, job: GradingJob, name: str) -> Any:
        command, options = grader_box(
            job, name=name, inbox=self.dir / "grader", etc_dir=self.etc_dir, runtime=self.runtime
        )
        self.containers["grader"] = create_container(client, tag, command, **options)
        return self.containers["grader"]

    def connect(self, role: str, deadline: float) -> wire.Channel:
        """Accept the box's one connection and wait for its ``warm``: its runner is loaded and waiting."""
        listener = self.listeners.pop(role)
        listener.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            conn, _ = listener.accept()
        except TimeoutError as exc:
            raise PairNotReady(f"the {role} box did not start") from exc
        finally:
            listener.close()  # exactly one connection per box
        max_frame = GRADER_MAX_FRAME if role == "grader" else wire.DEFAULT_MAX_FRAME
        channel = wire.Channel(conn, max_frame=max_frame)
        self.channels[role] = channel
        try:
            hello = channel.recv(deadline=deadline)
        except wire.WireError as exc:
            raise PairNotReady(f"the {role} box did not get ready ({exc})") from exc
        if hello.get("op") != Op.WARM:
            raise PairNotReady(f"the {role} box said {hello.get('op')!r} instead of 'warm'")
        return channel

    def start(self, client: Any, tag: str, job: GradingJob, names: dict[str, str], deadline: float) -> None:
        """Start both boxes and wait until both are warm. The grader box makes the run's network namespace
        and the student box joins it (sandbox.boxes, "Network namespaces")."""
        if self.servers is not None:
            self.start_with_server(client, tag, job, names["student"], deadline)
            return
        self.make_folders()
        for role in ROLES:
            self.listen(role)
        # The student box joins the grader box's network namespace, which exists once the grader box runs:
        # its creation overlaps the grader's start, and only its own start waits for it.
        grader = self.create_grader(client, tag, job, names["grader"])
        with ThreadPoolExecutor(max_workers=1) as pool:
            grader_started = pool.submit(grader.start)
            student = self.create_student(client, tag, job, names["student"])
            grader_started.result()
        student.start()
        for role in ROLES:
            self.connect(role, deadline)

    def start_with_server(self, client: Any, tag: str, job: GradingJob, student_name: str, deadline: float) -> None:
        """The student box, started while the grader server of the job's kind (started first if none runs)
        forks the run's grader; each says ``warm``."""
        assert self.servers is not None
        try:
            self.server, self.server_run = self.servers.child(client, tag, job)
        except ServerFailed as exc:
            raise PairNotReady(str(exc)) from exc
        self.make_folders()
        for role in ROLES:
            self.listen(role)
        with ThreadPoolExecutor(max_workers=1) as pool:
            forked = pool.submit(self.server.fork, self.server_run, output_bytes=job.limits.output_kb * 1024)
            self.create_student(client, tag, job, student_name).start()
            try:
                forked.result()
            except ServerFailed as exc:
                self.server.retired = True  # the next run starts a fresh server
                raise PairNotReady(str(exc)) from exc
        self.connect("student", deadline)
        try:
            self.connect("grader", deadline)
        except PairNotReady:
            # The child did not reach its socket (the server's folder gone from under it, say): whatever broke
            # it may break the next run too, so that one starts a fresh server.
            self.server.retired = True
            raise

    def tests_in_box(self) -> str:
        """Where the run's grader finds the hidden tests."""
        return self.server.tests_in_box(self.server_run) if self.server is not None else GRADER_TESTS

    def healthy(self) -> bool:
        """A waiting pair says nothing until ``go``: a readable socket means a box has gone (EOF)."""
        if set(self.channels) != set(ROLES) or (self.server is not None and not self.server.healthy()):
            return False
        readable, _, _ = select.select([c.sock for c in self.channels.values()], [], [], 0)
        return not readable

    # ------------------------------------------------------------------ handing over a job

    def hand_over(self, job: GradingJob) -> None:
        """Write the submission and the hidden tests where the two boxes (and only they) will read them."""
        files_dir = self.inbox("student") / "files"
        for rel, content in job.student_files.items():
            rel_path = PurePosixPath(rel)
            if rel_path.is_absolute() or ".." in rel_path.parts or not rel_path.parts:
                raise ValueError(f"unsafe submission path {rel!r}")
            target = files_dir.joinpath(*rel_path.parts)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            target.write_bytes(content)
        tests_dir = self.inbox("grader") / "tests"
        for test_file in sorted(job.grader_dir.glob("test_*.py")):
            shutil.copyfile(test_file, tests_dir / test_file.name)
        if (job.grader_dir / "data").is_dir():
            shutil.copytree(job.grader_dir / "data", tests_dir / "data")
        for folder in (files_dir, tests_dir):
            for path in folder.rglob("*"):
                path.chmod(0o755 if path.is_dir() else 0o644)

    def go(self, job: GradingJob) -> None:
        """Both boxes start at once: the grader collects its tests while the submission loads."""
        self.channels["student"].send(student_go(job))
        manifest = job.declared_tests
        self.channels["grader"].send({
            "op": Op.GO, "tests": self.tests_in_box(), "secret": job.grader_secret, "submission": job.submission_digest,
            "llm": None if manifest.llm is None else manifest.llm.to_json(),
        })

    # ------------------------------------------------------------------ the end

    def close_channels(self) -> None:
        for channel in self.channels.values():
            channel.close()
        for listener in self.listeners.values():
            listener.close()
        self.listeners.clear()

    def remove(self) -> None:
        """Remove the boxes, end the grader's child and remove the folder. The folder goes even when the engine
        fails to remove a box (it is away): what was removed is gone, the rest raises."""
        self.close_channels()
        try:
            with ThreadPoolExecutor(max_workers=2) as pool:
                removed: list[Future[Any]] = [pool.submit(remove_by_force, c) for c in self.containers.values()]
                if self.server is not None:
                    removed.append(pool.submit(self.server.end, self.server_run))
                for future in removed:
                    future.result()
        finally:
            for watcher in self.watchers.values():
                watcher.close()
            shutil.rmtree(self.dir, ignore_errors=True)


def listen_at(sock_path: Path) -> socket.socket:
    """A listening Unix socket at ``sock_path`` that a box's runner can connect to (one connection)."""
    sock_path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Bound through a descriptor of its folder: the address that the box's end of the connection shows in
    # the box's /proc/net/unix is then /proc/self/fd/N/<name>, not the work folder and the run name.
    folder = os.open(sock_path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        listener.bind(f"/proc/self/fd/{folder}/{sock_path.name}")
    finally:
        os.close(folder)
    sock_path.chmod(0o666)
    listener.listen(1)
    return listener


def student_go(job: GradingJob) -> dict[str, Any]:
    """The student box's job: the module to load, and whether to offer the scripted model and start a service."""
    manifest = job.declared_tests
    return {
        "op": Op.GO, "module": job.module, "llm": manifest.llm is not None,
        "service": None if manifest.service is None else manifest.service.to_json(),
        "load_timeout_s": job.limits.load_timeout_s,
    }


def remove_by_force(container: Any) -> None:
    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError:
        # One retry: the engine can refuse while the box is still being killed.
        time.sleep(0.2)
        try:
            container.remove(force=True)
        except docker.errors.NotFound:
            pass
