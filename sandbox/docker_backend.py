"""One grading run in two fresh, locked-down containers, with the worker relaying between them.

The student box holds only the submission; the grader box holds only the hidden tests. Neither has a
network. Each connects to a Unix socket that this process owns (in a per-run folder mounted read-only), so
every request from the grader to student code, and every answer, passes through here, capped in size and
time. Limits hold from outside: the engine enforces memory, pids, CPU and file limits, and this process kills
a box that overruns its time.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from sandbox import images
from sandbox.box_pair import BoxPair, PairNotReady, remove_by_force
from sandbox.boxes import container_name, pair_key, run_containers
from sandbox.engine import docker_client
from sandbox.pool import WarmPool
from sandbox.report import ReportCollector
from sandbox.runners import gradient_wire as wire
from sandbox.spec import STATUS_SENTENCES, GradingJob, Outcome, RunStatus
from sandbox.text import clean_text

Progress = Callable[[int, int], None]
logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 30.0
TAKE_TIMEOUT_S = 15.0  # waiting for a pool pair that is still starting; then the run starts its own
CALL_GRACE_S = 1.0  # the box's own alarm fires first; this is the hard stop behind it
# "ready" or "load_error" (capped fields): the student runner's hello is never near this, so a larger one is
# a submission that took over the runner, and parsing it stays cheap for the worker (sandbox/README.md).
HELLO_MAX_FRAME = 64 * 1024


def work_root() -> Path:
    return Path(os.environ.get("SANDBOX_WORK_DIR", "/tmp/gradient-runs"))


MAX_STUDENT_RESTARTS = 3  # a fresh student box after a call that hung or crashed, so later tests still run
METRIC_PARTS = ("public", "private")


@dataclass
class StudentState:
    alive: bool = True
    stop_reason: str = ""  # why the current box stopped: "timeout", "crash"


class BoxRun:
    def __init__(
        self, job: GradingJob, tag: str, progress: Progress | None, pool: WarmPool | None = None,
        grader_output: bool = True,
    ) -> None:
        self.job = job
        self.keep_grader_output = grader_output
        self.tag = tag
        self.progress = progress
        self.pool = pool
        self.client = docker_client()
        self.pair = BoxPair(work_root() / job.run_name)
        self.warm = False  # whether the pair came from the warm pool
        self.collector = ReportCollector(job.declared_tests)
        self.messages: list[str] = list(job.notes)
        self.student = StudentState()
        self.student_box = "student"  # key in self.containers of the current student box
        self.restarts = 0
        self.timed_out_calls = 0
        self.oom_seen = False
        self.metrics: dict[str, dict[str, float]] = {}
        self.wall_exceeded = False
        self.grader_broken = ""
        self.answer_broke_grader = ""  # "memory" or "crash": the grader box died handling the student's answer
        self.interrupted = ""  # a box stopped from outside (not the student's doing): retried, never charged
        self.killed_here: set[str] = set()  # ids of the boxes this process killed itself

    @property
    def containers(self) -> dict[str, Any]:
        return self.pair.containers

    @property
    def channels(self) -> dict[str, wire.Channel]:
        return self.pair.channels

    # ------------------------------------------------------------------ setup

    def get_pair(self) -> None:
        """A warm pair from the pool, renamed after this run, or a pair started now (cold)."""
        for leftover in run_containers(self.client, self.job.run_name):
            remove_by_force(leftover)  # what a killed worker left of an earlier delivery of this run
        if self.pool is not None:
            pair = self.pool.take(pair_key(self.job, self.tag), timeout=TAKE_TIMEOUT_S)
            if pair is not None:
                self.pair, self.warm = pair, True
                with ThreadPoolExecutor(max_workers=2) as renames:
                    list(renames.map(
                        lambda role: pair.containers[role].rename(container_name(self.job.run_name, role)),
                        ("student", "grader"),
                    ))
        if not self.warm:
            names = {role: container_name(self.job.run_name, role) for role in ("student", "grader")}
            deadline = time.monotonic() + CONNECT_TIMEOUT_S + self.job.limits.load_timeout_s
            self.pair.start(self.client, self.tag, self.job, names, deadline)
        logger.info("%s: %s pair of boxes", self.job.run_name, "warm" if self.warm else "cold")

    # ------------------------------------------------------------------ the run

    def execute(self) -> Outcome:
        start = time.monotonic()
        limits = self.job.limits
        try:
            self.get_pair()
        except PairNotReady as exc:
            return self.infrastructure(str(exc), start)
        self.pair.hand_over(self.job)
        self.pair.go(self.job)
        # The student's time starts now: waiting for boxes is ours, never counted against the submission.
        wall_deadline = time.monotonic() + limits.wall_s
        student = self.channels["student"]
        try:
            # The one student frame this process parses itself: small (see HELLO_MAX_FRAME), so it costs little.
            hello = student.recv(
                deadline=min(wall_deadline, time.monotonic() + limits.load_timeout_s), max_frame=HELLO_MAX_FRAME
            )
        except wire.FrameTimeout:
            self.kill_student()
            return self.finish(
                "timeout", start, f"Your code took longer than {limits.load_timeout_s:g} s to load. "
                "Is there an endless loop or a long computation at the top level of your file?"
            )
        except wire.WireError as exc:
            if not isinstance(exc, wire.ChannelClosed):  # the box is alive but sent what no runner sends
                return self.finish(
                    "not_gradable", start, "Your program interfered with the grading channel while loading."
                )
            if self.student_oom_killed():
                return self.finish("memory_limit", start, "Your code ran out of memory while loading.")
            if self.stopped_from_outside(self.student_box):
                return self.infrastructure("the student box was stopped from outside while loading", start)
            return self.finish(
                "not_gradable", start, "Your program stopped while it was being loaded "
                "(does it call sys.exit() or os._exit() at the top level?)."
            )
        if hello.get("op") == "load_error":
            return self.finish("not_gradable", start, describe_load_error(hello))
        if hello.get("op") != "ready":
            return self.finish("not_gradable", start, "Your program interfered with the grading channel while loading.")
        self.relay(self.channels["grader"], wall_deadline)
        if self.interrupted:
            return self.infrastructure(self.interrupted, start)
        if self.wall_exceeded:
            return self.finish("timeout", start, f"Grading stopped at the time limit of {limits.wall_s:g} s.")
        if self.grader_broken:
            return self.infrastructure(self.grader_broken, start, retryable=False)
        if self.answer_broke_grader == "memory":
            return self.finish(
                "memory_limit", start, "An answer from your code was too large for the grader to check "
                "(it ran out of memory reading it); the tests that had not finished count as failed.",
            )
        if self.answer_broke_grader:
            return self.finish(
                "graded", start, "The grader stopped while it was reading an answer from your code; the tests "
                "that had not finished count as failed.",
            )
        if self.oom_seen:
            return self.finish("memory_limit", start, "Your code ran out of memory.")
        if self.timed_out_calls:
            return self.finish(
                "timeout", start, "A call into your code ran past its time limit and was stopped; "
                "the other tests ran in a fresh copy of your program."
            )
        if self.output_exceeded():
            return self.finish(
                "output_limit", start,
                f"Only the first {limits.output_kb} KiB of what your code printed were kept.",
            )
        return self.finish("graded", start)

    def relay(self, grader: wire.Channel, wall_deadline: float) -> None:
        total = len(self.job.declared_tests)
        holding = False  # the grader box has the student's last answer and has not spoken since
        while True:
            try:
                raw = grader.recv_bytes(deadline=wall_deadline)
            except wire.FrameTimeout:
                self.wall_exceeded = True
                return
            except wire.WireError as exc:
                self.grader_stopped(exc, holding=holding)
                return
            holding = False
            try:
                message = wire.parse_message(raw)
            except wire.WireError as exc:  # our runner never sends such a frame: a bug of ours
                self.grader_broken = f"the grader box sent a frame that could not be read ({exc})"
                return
            op = message["op"]
            if op in ("call", "getattr", "http"):
                reply = self.forward(raw, message, wall_deadline)
                try:
                    grader.send_bytes(reply, deadline=wall_deadline)
                except wire.FrameTimeout:  # the grader stopped reading: it is stuck on an earlier answer
                    self.wall_exceeded = True
                    return
                except (wire.WireError, OSError) as exc:
                    self.grader_stopped(exc, holding=True)
                    return
                holding = True
                if self.wall_exceeded or self.interrupted:
                    return
            elif op == "test":
                self.collector.add(message)
                if self.progress:
                    self.progress(self.collector.done, total)
            elif op == "metric":
                self.add_metric(message)
            elif op == "collected":
                pass
            elif op == "grader_error":
                self.grader_broken = "the grader could not be loaded: " + clean_text(str(message.get("message", "")), 2000)
            elif op == "done":
                return
            else:
                self.grader_broken = f"the grader sent an unknown message {clean_text(op[:100])!r}"
                return

    def grader_stopped(self, exc: Exception, *, holding: bool) -> None:
        """The grader box went away mid-run. Whose doing that was depends on what it was doing: holding an
        answer from the student box (between receiving it and its next frame), the answer did it (a value
        that exhausts its memory, or crashes it while it is read): the submission's, charged like any result.
        Otherwise (collecting, between tests, in a grader's own code) it is ours: never charged."""
        if self.stopped_from_outside("grader"):
            self.interrupted = "the grader box was stopped from outside"
        elif not holding:
            self.grader_broken = f"the grader box stopped unexpectedly ({exc})"
        elif self.oom_killed("grader"):
            self.answer_broke_grader = "memory"
        else:
            self.answer_broke_grader = "crash"

    def add_metric(self, message: dict[str, Any]) -> None:
        name, value, part = message.get("name"), message.get("value"), message.get("part")
        if type(name) is str and part in METRIC_PARTS and isinstance(value, int | float) and math.isfinite(value):
            self.metrics.setdefault(str(part), {})[clean_text(name, 100, keep="start")] = float(value)
        else:
            self.collector.problems.append("the grader reported a malformed metric")

    def forward(self, raw: bytes, message: dict[str, Any], wall_deadline: float) -> bytes:
        """Send one request to the student box and return its answer (or an error answer) for the grader.
        A box that hangs or dies is replaced by a fresh one, so one bad call does not cost the later tests."""
        if not self.student.alive and not self.restart_student(wall_deadline):
            reason = "ran past a time limit" if self.student.stop_reason == "timeout" else "stopped"
            return wire.stopped_frame(
                "stopped", "Stopped", f"Your program {reason} during an earlier call, so this call could not run."
            )
        student = self.channels["student"]
        timeout = message.get("timeout")
        call_limit = self.job.limits.call_timeout_s
        if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
            call_limit = min(float(timeout), self.job.limits.wall_s)
        sent = time.monotonic()
        deadline = min(wall_deadline, sent + call_limit + CALL_GRACE_S)
        try:
            student.send_bytes(raw, deadline=deadline)
            answer = student.recv_bytes(deadline=deadline)
            # Only this process can say a call ran out of time: an exception the student names "Timeout" is
            # just an exception. The box's own alarm answers at the limit, so its answer arrives late.
            return wire.answer_frame(answer, late=time.monotonic() - sent >= call_limit)
        except wire.FrameTimeout:
            if time.monotonic() >= wall_deadline:
                self.wall_exceeded = True
            self.kill_student()
            self.timed_out_calls += 1
            self.student = StudentState(alive=False, stop_reason="timeout")
            return wire.stopped_frame("timeout", "Timeout", f"The call did not finish within {call_limit:g} s.")
        except (wire.WireError, OSError) as exc:  # OSError: the request could not be sent (EPIPE)
            self.student = StudentState(alive=False, stop_reason="crash")
            if self.student_oom_killed():
                self.oom_seen = True
                return wire.stopped_frame(
                    "memory", "MemoryError", "Your program ran out of memory during this call and was stopped."
                )
            if self.stopped_from_outside(self.student_box):
                self.interrupted = "the student box was stopped from outside during a call"
                return wire.stopped_frame(
                    "stopped", "Stopped", "The sandbox was stopped from outside; this run will be retried."
                )
            if isinstance(exc, wire.ChannelClosed | OSError):
                text = "Your program stopped during this call (os._exit, a crash, or too much memory)."
            else:
                text = f"Your program sent an answer that could not be read ({exc})."
            return wire.stopped_frame("crash", "Crashed", text)

    def restart_student(self, wall_deadline: float) -> bool:
        """Replace a stopped student box with a fresh one (the submission loaded anew). False if not possible."""
        limits = self.job.limits
        if self.restarts >= MAX_STUDENT_RESTARTS or time.monotonic() + 1.0 >= wall_deadline:
            return False
        self.restarts += 1
        old = self.channels.pop("student", None)
        if old is not None:
            old.close()
        remove_by_force(self.containers[self.student_box])
        box = f"student-{self.restarts}"
        self.pair.listen("student")
        self.pair.start_student(self.client, self.tag, self.job, container_name(self.job.run_name, box), key=box)
        self.student_box = box
        try:
            channel = self.pair.connect("student", time.monotonic() + CONNECT_TIMEOUT_S)
            channel.send({"op": "go", "module": self.job.module})
            hello = channel.recv(
                deadline=min(wall_deadline, time.monotonic() + limits.load_timeout_s), max_frame=HELLO_MAX_FRAME
            )
        except (PairNotReady, wire.WireError, OSError):
            return False
        if hello.get("op") != "ready":
            return False
        self.student = StudentState()
        return True

    # ------------------------------------------------------------------ endings

    def finish(self, status: RunStatus, start: float, message: str = "") -> Outcome:
        # No kill here: the logs are read from the boxes as they are, and cleanup() removes them by force.
        messages = list(self.messages)
        if status != "graded":
            messages.insert(0, STATUS_SENTENCES[status])
        if message:
            messages.append(message)
        if status == "not_gradable":
            missing = "Not run: the submission could not be loaded."
        elif status in ("timeout", "memory_limit"):
            missing = "Not run: grading stopped before this test finished."
        else:
            missing = "The grader did not report this test, so it counts as failed."
        tests = self.collector.outcomes(missing)
        return Outcome(
            status=status,
            score=sum(t.points for t in tests),
            max_score=float(sum(self.job.declared_tests.values())),
            tests=tests,
            duration_s=time.monotonic() - start,
            messages=tuple(messages + self.collector.problems),
            student_output=self.logs(self.student_box),
            grader_output=self.logs("grader") if self.keep_grader_output else "",
            metrics={part: dict(values) for part, values in self.metrics.items()},
        )

    def infrastructure(self, reason: str, start: float, *, retryable: bool = True) -> Outcome:
        outcome = self.finish("infrastructure_error", start, reason)
        return Outcome(**{**outcome.__dict__, "retryable": retryable})

    def output_exceeded(self) -> bool:
        # The watchers follow the logs as they are written; by the time the grader is done they have seen
        # what came before its last call. (No join: the student box is still running here.)
        return any(w.exceeded.is_set() for w in self.pair.watchers)

    def kill_student(self) -> None:
        container = self.containers.get(self.student_box)
        if container is None:
            return
        self.killed_here.add(container.id)
        try:
            container.kill()
        except docker.errors.APIError:
            pass  # already stopped

    def stopped_from_outside(self, key: str) -> bool:
        """Whether someone other than this process stopped the box (`docker kill`, `docker stop`, `docker rm -f`,
        an engine shutdown): the engine then logs a "kill" event for it that we did not cause, or no longer
        answers. Student code has no way to the engine and the OOM killer logs "oom" instead, so such a stop is
        not the student's doing: the run ends as a retryable infrastructure error rather than a failed test."""
        container = self.containers.get(key)
        if container is None or container.id in self.killed_here:
            return False
        try:
            # `until` a moment ahead: the engine logs the event just after the signal, so it may trail the EOF.
            events = self.client.api.events(
                since=self.pair.created_wall - 1, until=time.time() + 0.3, decode=True,
                filters={"container": container.id, "event": "kill"},
            )
            try:
                return any(True for _ in events)
            finally:
                events.close()
        except Exception:  # noqa: BLE001 - the engine itself is going away: not the student's doing either
            return True

    def student_oom_killed(self) -> bool:
        """Whether the engine killed the current student box for memory (call once it has stopped)."""
        return self.oom_killed(self.student_box)

    def oom_killed(self, key: str) -> bool:
        """Whether the engine killed this box for memory (call once it has stopped)."""
        container = self.containers.get(key)
        if container is None:
            return False
        try:
            container.wait(timeout=5)
            container.reload()
        except Exception:  # noqa: BLE001 - the box is gone or the engine is slow: no evidence of OOM
            return False
        return bool(container.attrs.get("State", {}).get("OOMKilled"))

    def logs(self, role: str) -> str:
        container = self.containers.get(role)
        if container is None:
            return ""
        cap = self.job.limits.output_kb * 1024
        try:
            data: bytes = container.logs(stdout=True, stderr=True)
        except docker.errors.APIError:
            return ""
        return clean_text(data, cap)

    def refill_pool(self) -> None:
        """Start a pair for the next run of this kind: after this run's result, so as not to slow it down."""
        if self.pool is not None:
            self.pool.used(pair_key(self.job, self.tag), self.job, self.tag)

    def cleanup(self) -> None:
        removed = False
        try:
            self.pair.remove()
            removed = True
        finally:
            if self.warm and self.pool is not None:
                self.pool.give_back(self.pair, removed=removed)


def describe_load_error(message: dict[str, Any]) -> str:
    kind = message.get("kind")
    text = clean_text(str(message.get("message", "")), 2000)
    if kind == "syntax":
        # file and line come from the student box like the text, so they are cleaned and capped too
        where = clean_text(str(message.get("file")), 200, keep="start")
        return f"{where}, line {clean_text(str(message.get('line')), 20, keep='start')}: {text}"
    if kind == "missing":
        return text[:1].upper() + text[1:] + "."
    return "Your code raised an error while it was being loaded:\n" + text


def run_job(
    job: GradingJob,
    *,
    progress: Progress | None = None,
    build_images: bool = True,
    pool: WarmPool | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    grader_output: bool = True,
) -> Outcome:
    """Grade ``job``; raises :class:`SandboxUnavailable` when no engine or image can be had.

    With a ``pool`` the run takes a warm pair of boxes when one of its kind waits there, and leaves another
    starting for the next run. ``on_outcome`` is called with the outcome once: before the boxes are removed,
    so that a caller can commit a result without waiting for that, except for an outcome to be retried,
    which comes after the removal (a retry must not meet this run's boxes). Nothing outlives the call.
    ``grader_output=False`` skips reading what the grader box printed (only instructors' tools show it)."""
    tag = images.ensure_image(job.image, build=build_images)
    box = BoxRun(job, tag, progress, pool, grader_output)
    outcome: Outcome
    try:
        try:
            outcome = box.execute()
        except docker.errors.ImageNotFound:
            images.forget(tag)  # someone removed it: the retry rebuilds it
            outcome = box.infrastructure(f"the sandbox image {tag} disappeared from the engine", time.monotonic())
        except (docker.errors.APIError, OSError) as exc:
            outcome = box.infrastructure(f"the container engine failed: {str(exc)[:500]}", time.monotonic())
        if on_outcome is not None and not outcome.retryable:
            on_outcome(outcome)
        box.refill_pool()
    finally:
        box.cleanup()
    if on_outcome is not None and outcome.retryable:
        on_outcome(outcome)
    return outcome
