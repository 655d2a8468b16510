"""Grader servers: one long-lived grader box per worker and kind of grader, forking a grader process per run.

Starting a grader box costs about half a second of the machine's CPU per run (engine work, the interpreter,
pytest and the preloads); forking a process of a box that has already loaded them costs a sixth of that
(``python -m bench.grader_server``). With ``SANDBOX_GRADER_SERVER=1`` a run's grader is such a child of a
server box (``grader_runner.py --serve``, sandbox.boxes.grader_server_box) instead of a box of its own:

- **What stays the same.** The child grades the run exactly as a grader box does: it connects to the run's
  own socket (``runs/<name>/chan.sock`` in the server's folder, which the worker makes), says ``warm``,
  reads ``go`` and talks to the student box only through the worker. The server's parent process talks only
  to the worker, over its control socket: it never hears from a student box.
- **What a run gets of its own.** A process, a process group (killing the run kills what it started), a
  scratch folder (TMPDIR, HOME and the caches; removed when the child ends), and ``oom_score_adj`` 1000, so
  the kernel kills a run's child, never the parent, when the box runs out of memory.
- **The student box** makes its run's network namespace itself (``--network none``): no grader process
  shares it (sandbox.boxes, "Network namespaces").
- **Recycling.** A server is replaced after ``RUNS_PER_SERVER`` runs: its children share the parent's
  string-hash seed and whatever the parent's memory holds, so neither lives long.

The trade (sandbox/README.md, "Grader servers"; docs/architecture.md, "The trust boundary"): runs of one
kind of grader share a box, one after the other (a warm pool's next child may wait beside a running one). What one run's child can leave behind there
is only what the grader's own code writes, in a scratch folder removed with it; student code never runs in
a grader box.

A server belongs to one worker process: :func:`grader_servers` gives the process's :class:`ServerRegistry`. Its
boxes are named ``gradient-server-<host>-<pid>-<n>`` and its folders ``server-<host>-<pid>-<n>``, so those
of a killed worker are removed when the next registry on that host starts.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import shutil
import signal
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.boxes import SERVER_RUNS, etc_files, grader_server_box, server_key
from sandbox.config import SandboxConfig
from sandbox.engine import killed_since
from sandbox.runners import gradient_wire as wire
from sandbox.runners.gradient_wire import Op
from sandbox.spec import GradingJob

logger = logging.getLogger(__name__)

SERVER_PREFIX = "server-"  # of the servers' folders; their boxes are gradient-server-...
BOX_PREFIX = "gradient-server-"
MAX_SERVERS = 3  # kinds of grader with a server at once, in one worker process (as the warm pool's max_keys)
IDLE_S = 300.0  # a server unused this long is removed
RUNS_PER_SERVER = 25  # then a fresh server (a fresh hash seed, fresh memory): 12 ms per run of its start
START_TIMEOUT_S = 60.0  # the box's start and the preloads (torch takes seconds on a busy machine)
FORK_TIMEOUT_S = 10.0
EXIT_TIMEOUT_S = 3.0  # a killed child is reported within this, or its server is removed
# An exited report with its output: the server caps that at 1 MiB, which JSON's escapes (\uXXXX for every
# byte that is not printable ASCII) can make 6 MiB.
CONTROL_MAX_FRAME = 8 * 1024 * 1024


class ServerFailed(Exception):
    """A grader server did not start, or stopped answering: never the student's doing."""


@dataclass
class ChildState:
    """What the worker knows of one run's child."""

    pid: int = 0
    exited: dict[str, Any] | None = None  # the server's report of its end
    killed_here: bool = False  # the worker asked for its end (a wall-clock stop, the run's clean-up)
    forked: threading.Event = field(default_factory=threading.Event)  # answered: forked, or exited with an error
    done: threading.Event = field(default_factory=threading.Event)  # its end was reported (or the server is gone)


class GraderServer:
    """One server box and its control channel. ``reserve()`` names a run, ``fork(run)`` starts its child,
    ``end(run)`` makes sure the child is gone; ``exited(run)`` is what the server reported of its end."""

    def __init__(self, client: Any, tag: str, job: GradingJob, *, config: SandboxConfig, name: str) -> None:
        self.client, self.config, self.name = client, config, name
        self.folder = config.work_dir / name
        self.runs_dir = self.folder / "runs"
        self.lock = threading.Lock()
        self.sending = threading.Lock()  # the pool's thread forks while the run's thread ends its child
        self.children: dict[str, ChildState] = {}
        self.names = itertools.count(1)
        self.forks = 0
        self.retired = False  # no more forks: the next run of this kind starts a fresh server
        self.removed_here = False  # the worker removed the box itself
        self.gone = threading.Event()  # the control channel closed: the box stopped
        self.created_wall = time.time()
        self.channel: wire.Channel | None = None
        self.container: Any = None
        self._start(tag, job)

    # ------------------------------------------------------------------ starting

    def _start(self, tag: str, job: GradingJob) -> None:
        from sandbox.box_pair import listen_at

        shutil.rmtree(self.folder, ignore_errors=True)
        self.runs_dir.mkdir(parents=True, mode=0o755)
        for folder in (self.folder, self.runs_dir):
            folder.chmod(0o755)
        control = listen_at(self.folder / "control.sock")
        try:
            command, options = grader_server_box(
                job, name=f"gradient-{self.name}", inbox=self.folder, etc_dir=etc_files(self.config.work_dir),
                runtime=self.config.runtime,
            )
            self.container = self.client.containers.create(tag, command, **options)
            self.container.start()
            control.settimeout(START_TIMEOUT_S)
            try:
                conn, _ = control.accept()
            except TimeoutError as exc:
                raise ServerFailed("the grader server did not start") from exc
            self.channel = wire.Channel(conn, max_frame=CONTROL_MAX_FRAME)
            try:
                hello = self.channel.recv(deadline=time.monotonic() + START_TIMEOUT_S)
            except wire.WireError as exc:
                raise ServerFailed(f"the grader server did not get ready ({exc})") from exc
            if hello.get("op") != Op.WARM:
                raise ServerFailed(f"the grader server said {hello.get('op')!r} instead of 'warm'")
        except BaseException:
            self.remove()
            raise
        finally:
            control.close()
        threading.Thread(target=self._read, name=f"{self.name}-control", daemon=True).start()

    def _read(self) -> None:
        """The server's reports, as they come: ``forked`` and ``exited`` of each child."""
        assert self.channel is not None
        try:
            while True:
                frame = self.channel.recv()
                run = frame.get("run")
                with self.lock:
                    state = self.children.get(run) if type(run) is str else None
                if state is None:
                    continue
                if frame.get("op") == Op.FORKED and type(frame.get("pid")) is int:
                    state.pid = frame["pid"]
                    state.forked.set()
                elif frame.get("op") == Op.EXITED:
                    state.exited = frame
                    state.forked.set()
                    state.done.set()
        except (wire.WireError, OSError):
            pass
        finally:
            # The channel closed, or the server sent what it never sends: either way this server is done. Closing
            # our end makes its parent kill its children and exit.
            self.channel.close()
            self.gone.set()
            with self.lock:
                states = list(self.children.values())
            for state in states:
                state.forked.set()
                state.done.set()

    # ------------------------------------------------------------------ for a run

    def reserve(self) -> str | None:
        """A run name for the next fork of this server, or None when it takes no more (retired or gone)."""
        with self.lock:
            if self.retired or self.gone.is_set():
                return None
            self.forks += 1
            if self.forks >= RUNS_PER_SERVER:
                self.retired = True
            run = f"run-{next(self.names)}"
            self.children[run] = ChildState()
        return run

    def run_dir(self, run: str) -> Path:
        return self.runs_dir / run

    def tests_in_box(self, run: str) -> str:
        return f"{SERVER_RUNS}/{run}/tests"

    def fork(self, run: str, *, output_bytes: int) -> None:
        """Start the run's child (its socket must be listening). Raises ServerFailed if it did not start."""
        state = self.children[run]
        assert self.channel is not None
        try:
            with self.sending:
                self.channel.send({"op": Op.FORK, "run": run, "output_bytes": output_bytes})
        except (wire.WireError, OSError) as exc:
            raise ServerFailed(f"the grader server stopped ({exc})") from exc
        if not state.forked.wait(FORK_TIMEOUT_S) or state.pid == 0:
            error = (state.exited or {}).get("error") or "no answer"
            raise ServerFailed(f"the grader server did not start the run's grader: {str(error)[:200]}")

    def kill(self, run: str) -> None:
        state = self.children.get(run)
        if state is None or state.done.is_set() or self.channel is None:
            return
        state.killed_here = True
        try:
            with self.sending:
                self.channel.send({"op": Op.KILL, "run": run})
        except (wire.WireError, OSError):
            pass  # the server is gone, and its children with it

    def exited(self, run: str, timeout: float) -> dict[str, Any] | None:
        """The server's report of the run's child's end (waiting up to ``timeout``), or None."""
        state = self.children.get(run)
        if state is None:
            return None
        state.done.wait(timeout)
        return state.exited

    def killed_for_memory(self, run: str) -> bool:
        """Whether the run's child was killed by a SIGKILL that the worker did not ask for: only the kernel
        sends one otherwise (no box can signal another box's processes), for memory; or the whole server box
        was killed for memory."""
        report = self.exited(run, EXIT_TIMEOUT_S)
        state = self.children.get(run)
        if report is not None:
            return state is not None and not state.killed_here and report.get("signal") == signal.SIGKILL
        return self._box_oom_killed()

    def lost(self, run: str) -> bool:
        """Whether the run's child ended without a report from its server and not for memory: the server went
        (removed by this worker, stopped from outside, its channel broken). Never the submission's doing."""
        return self.exited(run, EXIT_TIMEOUT_S) is None and not self._box_oom_killed()

    def stopped_from_outside(self) -> bool:
        """Whether someone other than this worker stopped the server box (`docker kill`, `rm -f`, shutdown)."""
        if self.removed_here or self.container is None:
            return False
        return killed_since(self.client, self.container.id, self.created_wall)

    def output(self, run: str) -> str:
        """What the run's child printed (its last bytes), once it ended; "" if it has not."""
        report = self.exited(run, EXIT_TIMEOUT_S)
        text = (report or {}).get("output")
        return text if type(text) is str else ""

    def end(self, run: str) -> bool:
        """Make sure the run's child is gone and its folder removed. False if the server had to be removed
        for that (a child that did not end when killed: nothing of the run may outlive it)."""
        state = self.children.get(run)
        ended = True
        if state is not None and state.pid and not state.done.is_set():
            self.kill(run)
            if not state.done.wait(EXIT_TIMEOUT_S):
                logger.warning("%s: the child of %s did not end when killed; removing the server", self.name, run)
                self.remove()
                ended = False
        shutil.rmtree(self.run_dir(run), ignore_errors=True)
        with self.lock:
            self.children.pop(run, None)
        self.remove_if_done()
        return ended

    def remove_if_done(self) -> None:
        """Remove a server that takes no more runs once none of its children is left."""
        with self.lock:
            done = not self.children and (self.retired or self.gone.is_set()) and not self.removed_here
        if done:
            self.remove()

    def healthy(self) -> bool:
        return not self.gone.is_set() and not self.removed_here

    def _box_oom_killed(self) -> bool:
        """Whether the engine killed the whole server box for memory (waiting for its end only when its
        channel closed: a server that still answers was not)."""
        if self.container is None or self.removed_here:
            return False
        try:
            if self.gone.is_set():
                self.container.wait(timeout=2)
            self.container.reload()
        except Exception:  # noqa: BLE001 - gone or slow: no evidence
            return False
        return bool(self.container.attrs.get("State", {}).get("OOMKilled"))

    # ------------------------------------------------------------------ the end

    def remove(self) -> None:
        from sandbox.box_pair import remove_by_force

        self.removed_here = True
        self.retired = True
        if self.channel is not None:
            self.channel.close()
        if self.container is not None:
            try:
                remove_by_force(self.container)
            except Exception:  # noqa: BLE001 - the next registry removes it as an orphan
                logger.exception("%s: could not remove the server box", self.name)
        shutil.rmtree(self.folder, ignore_errors=True)


class ServerRegistry:
    """A worker process's grader servers, one per kind (``sandbox.boxes.server_key``): at most ``MAX_SERVERS``
    kinds, those used last; a server unused for ``IDLE_S`` goes (each holds a box's memory: a parent that
    imported torch holds hundreds of MB)."""

    def __init__(self, config: SandboxConfig) -> None:
        from sandbox.pool import owner_id

        self.config = config
        self.owner = owner_id()
        self.lock = threading.Lock()
        self.starting: dict[str, threading.Lock] = {}
        self.current: OrderedDict[str, GraderServer] = OrderedDict()  # the kind used last at the end
        self.last_used: dict[str, float] = {}
        self.closed = threading.Event()
        remove_orphans(config)
        threading.Thread(target=self._expire_loop, name="grader-servers-janitor", daemon=True).start()

    def child(self, client: Any, tag: str, job: GradingJob) -> tuple[GraderServer, str]:
        """A server of the job's kind (started now if none is running) and a run name reserved on it."""
        key = server_key(job, tag, self.config.runtime)
        with self.lock:
            starting = self.starting.setdefault(key, threading.Lock())
        with starting:  # one start per kind at a time: concurrent runs of a new kind share it
            with self.lock:  # reserved and marked used at once: expire() never takes a server between the two
                server = self.current.get(key)
                run = server.reserve() if server is not None and server.healthy() else None
                if run is not None:
                    self._used(key)
            if run is None:
                if server is not None:
                    server.retired = True
                    server.remove_if_done()  # else when its last child has ended
                server = GraderServer(
                    client, tag, job, config=self.config, name=f"{SERVER_PREFIX}{self.owner}-{next(_server_numbers)}"
                )
                with self.lock:
                    run = server.reserve()
                    self.current[key] = server
                    self._used(key)
                if run is None:  # it died before its first run (its reader saw the channel close)
                    raise ServerFailed("the grader server stopped as it started")
        self.expire()
        assert server is not None
        return server, run

    def _used(self, key: str) -> None:
        self.current.move_to_end(key)
        self.last_used[key] = time.monotonic()

    def expire(self) -> None:
        """Retire the servers of the kinds used longest ago beyond ``MAX_SERVERS``, and those idle (no child)
        for ``IDLE_S``: each is removed once its last child has ended."""
        now = time.monotonic()
        with self.lock:
            old = [key for key, server in self.current.items()
                   if now - self.last_used.get(key, now) > IDLE_S and not server.children]
            old += list(self.current)[: max(0, len(self.current) - MAX_SERVERS)]
            retired = []
            for key in dict.fromkeys(old):
                retired.append(self.current.pop(key))
                self.last_used.pop(key, None)
        for server in retired:
            server.retired = True
            server.remove_if_done()

    def _expire_loop(self) -> None:
        while not self.closed.wait(IDLE_S / 4):
            self.expire()

    def close(self) -> None:
        self.closed.set()
        with self.lock:
            servers = list(self.current.values())
            self.current.clear()
        for server in servers:
            server.remove()


_server_numbers = itertools.count(1)  # one count per process: registries of two configs share a host and folder
_registries: dict[SandboxConfig, ServerRegistry] = {}
_registries_lock = threading.Lock()


def grader_servers(config: SandboxConfig) -> ServerRegistry | None:
    """This process's grader servers for ``config`` (made on first use; removed when the process exits), or
    None where runs have grader boxes of their own (``SANDBOX_GRADER_SERVER`` off)."""
    if not config.grader_server:
        return None
    with _registries_lock:
        registry = _registries.get(config)
        if registry is None:
            registry = _registries[config] = ServerRegistry(config)
        return registry


@atexit.register
def close_servers() -> None:
    """Remove this process's grader servers (a stopping worker; a killed one leaves them to the next)."""
    with _registries_lock:
        registries = list(_registries.values())
        _registries.clear()
    for registry in registries:
        registry.close()


def remove_orphans(config: SandboxConfig) -> int:
    """Remove the server boxes and folders of dead workers on this host, and any server box that stopped."""
    from sandbox.pool import remove_dead_owners

    return remove_dead_owners(config, BOX_PREFIX, SERVER_PREFIX)
