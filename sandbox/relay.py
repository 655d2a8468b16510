"""The worker-side relay of one run: frames between the grader box and the student box, watched.

Once a pair of boxes has its job (sandbox.box_pair), the relay waits for the submission to load, then passes
each request of the grader to the student box and each answer back, capped in size and time, and collects
the grader's reports. It never decides how the run ends: it records what it sees (an
:class:`~sandbox.verdict.Ending` with a detail: a call that ran out of time, a box that ran out of memory or
was killed from outside, the wall clock) and :func:`sandbox.verdict.verdict` decides from those.

It does not parse the student box's answers: it wraps each in a frame of its own
(``gradient_wire.answer_frame``) that says whether it came after the call's limit, so only the worker
decides what a timeout is. A student box that hangs or dies in a call is replaced by a fresh one (at most
``MAX_STUDENT_RESTARTS``), so one bad call does not cost the later tests.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import docker.errors

from sandbox.box_pair import BoxPair, PairNotReady, remove_by_force, student_go
from sandbox.boxes import container_name
from sandbox.engine import killed_since
from sandbox.report import ReportCollector
from sandbox.runners import gradient_wire as wire
from sandbox.runners.gradient_wire import Op, StopReason
from sandbox.spec import GradingJob, Progress
from sandbox.text import clean_text
from sandbox.verdict import Ending, Observations

CONNECT_TIMEOUT_S = 30.0
CALL_GRACE_S = 1.0  # the box's own alarm fires first; this is the hard stop behind it
# "ready" or "load_error" (capped fields; a notebook's cell report is kept under 48 KiB by the box): the
# student runner's hello is never past this, so a larger one is a submission that took over the runner, and
# parsing it stays cheap for the worker (sandbox/README.md).
HELLO_MAX_FRAME = 64 * 1024
# A notebook's cell errors and notes, from its "ready" frame: at most this many of each reach the student.
MAX_CELL_MESSAGES = 20
# One request of a submission to the scripted model (its frame holds the HTTP body as a string), and the JSON
# values it may hold: checked here before the grader box sees it.
LLM_MAX_FRAME = 600 * 1024
LLM_MAX_VALUES = 20_000
# How long the grader's script may take to answer one such request (its own time, apart from the call's).
MODEL_ANSWER_S = 10.0
EXIT_AFTER_DONE_S = 2.0  # a grader server's child that said "done" has flushed and exited well within this
MAX_STUDENT_RESTARTS = 3  # a fresh student box after a call that hung or crashed, so later tests still run
METRIC_PARTS = ("public", "private")
INTERFERED = "Your program interfered with the grading channel while loading."


@dataclass
class StudentState:
    alive: bool = True
    stop_reason: StopReason | None = None  # why the current box stopped: TIMEOUT or CRASH


class Relay:
    def __init__(
        self, job: GradingJob, tag: str, *, client: Any, pair: BoxPair, progress: Progress | None = None
    ) -> None:
        self.job = job
        self.tag = tag
        self.client = client
        self.pair = pair  # replaced by a warm pair from the pool before the run starts, if one is taken
        self.progress = progress
        self.collector = ReportCollector(job.declared_tests)
        self.metrics: dict[str, dict[str, float]] = {}
        self.seen: dict[Ending, str] = {}
        self.student = StudentState()
        self.student_box = "student"  # key in self.containers of the current student box
        self.restarts = 0
        self.killed_here: set[str] = set()  # ids of the boxes this process killed itself
        self.loading: tuple[str, ...] = ()  # a notebook's cell errors and notes, for the student
        self.ran: set[str] = set()  # the tests the grader was told to run (each runs at most once)
        self.grader_gone = False  # the grader box failed while answering for the scripted model
        self.grader_done = False  # the grader said "done": its process ends by itself

    @property
    def containers(self) -> dict[str, Any]:
        return self.pair.containers

    @property
    def channels(self) -> dict[str, wire.Channel]:
        return self.pair.channels

    # ------------------------------------------------------------------ what was seen

    def observe(self, ending: Ending, detail: str = "") -> None:
        self.seen[ending] = detail  # the last detail of an ending is kept

    def observations(self) -> Observations:
        return Observations(
            endings=MappingProxyType(dict(self.seen)),
            results=MappingProxyType(dict(self.collector.results)),
            problems=tuple(self.collector.problems),
            metrics=MappingProxyType({part: MappingProxyType(dict(v)) for part, v in self.metrics.items()}),
            loading=self.loading,
        )

    def stopped(self) -> bool:
        """Whether what was seen ends the relay: the wall clock, or a box stopped from outside."""
        return Ending.WALL_TIME in self.seen or Ending.STOPPED_FROM_OUTSIDE in self.seen

    # ------------------------------------------------------------------ the run

    def load(self, wall_deadline: float) -> bool:
        """Wait for the submission to load; False (with what was seen) if it did not. A notebook may pause at
        check points on the way (see check_point); the time the grader takes there is not the notebook's."""
        load_deadline = time.monotonic() + self.job.limits.load_timeout_s
        while True:
            # The student frames this process parses itself: small (see HELLO_MAX_FRAME), so they cost little.
            hello = self._hello(min(wall_deadline, load_deadline))
            if hello is None:
                return self._not_loaded()
            if hello.get("op") != Op.CHECKPOINT:
                break
            paused, restarts = time.monotonic(), self.restarts
            if not self.check_point(hello, wall_deadline):
                return False
            if self.restarts != restarts:
                return True  # a call stopped the box there: its fresh copy ran the notebook to the end, and serves
            load_deadline += time.monotonic() - paused
        if hello.get("op") == Op.LOAD_ERROR:
            self.observe(Ending.NOT_LOADED, describe_load_error(hello))
            return self._not_loaded()
        if hello.get("op") != Op.READY:
            self.observe(Ending.NOT_LOADED, INTERFERED)
            return self._not_loaded()
        self.loading = describe_loading(hello)
        return True

    def _not_loaded(self) -> bool:
        """The load ended without "ready". Before any check point ran a test, the submission is simply not
        gradable (no attempt). After one did, results exist: the run is charged like any graded one (else a
        notebook that exits after its last check would get the hidden tests' verdicts for free)."""
        if self.ran and Ending.NOT_LOADED in self.seen:
            self.observe(Ending.STOPPED_AFTER_CHECK_POINTS, self.seen.pop(Ending.NOT_LOADED))
        return False

    def _hello(self, deadline: float) -> dict[str, Any] | None:
        """The student box's next frame while it loads, or None (with what was seen) if none came."""
        try:
            return self.channels["student"].recv(deadline=deadline, max_frame=HELLO_MAX_FRAME)
        except wire.FrameTimeout:
            self.kill_student()
            self.observe(Ending.LOAD_TIMEOUT)
            return None
        except wire.WireError as exc:
            if not isinstance(exc, wire.ChannelClosed):  # the box is alive but sent what no runner sends
                self.observe(Ending.NOT_LOADED, INTERFERED)
            elif self.oom_killed(self.student_box):
                self.observe(Ending.LOAD_OUT_OF_MEMORY)
            elif self.stopped_from_outside(self.student_box):
                self.observe(Ending.STOPPED_FROM_OUTSIDE, "the student box was stopped from outside while loading")
            else:
                self.observe(Ending.NOT_LOADED, "Your program stopped while it was being loaded "
                             "(does it call sys.exit() or os._exit() at the top level?).")
            return None

    def check_point(self, frame: dict[str, Any], wall_deadline: float) -> bool:
        """The notebook paused at a check point: the grader runs that question's tests (those not run yet)
        against the notebook's state now, then the notebook goes on. False if the run has to stop."""
        names = self.tests_for(frame)
        if names:
            self.ran.update(names)
            grader = self.channels["grader"]
            try:
                grader.send({"op": Op.RUN, "tests": names})
            except (wire.WireError, OSError) as exc:
                self.grader_stopped(exc, holding=False)
                return False
            restarts = self.restarts
            if not self._relay(grader, wall_deadline, until=Op.RAN) or self.stopped():
                return False
            if self.restarts != restarts:
                return True  # the paused box was replaced: the fresh one ran to the end and waits for requests
        try:
            self.channels["student"].send({"op": Op.RESUME})
        except (wire.WireError, OSError):
            pass  # the box is gone: the next frame says how (load() reads it)
        return True

    def tests_for(self, frame: dict[str, Any]) -> list[str]:
        """The tests a check point asks for, as the worker's own list allows: the declared tests of the named
        question not run yet (none for stand-alone tests, which run on the final state)."""
        question = frame.get("question")
        if type(question) is not str or not question:
            return []
        return [t.name for t in self.job.declared_tests.tests if t.question == question and t.name not in self.ran]

    def run(self, wall_deadline: float) -> None:
        """Relay until the grader is done (or the run has to stop), then note whether output was cut."""
        grader = self.channels["grader"]
        try:
            grader.send({"op": Op.RUN})  # every test not yet run (a notebook's check points ran some already)
        except (wire.WireError, OSError) as exc:
            self.grader_stopped(exc, holding=False)
            return
        self._relay(grader, wall_deadline)
        # The watchers follow the logs as they are written; by the time the grader is done they have seen
        # what came before its last call. (No join: the student box is still running here.)
        if any(w.exceeded.is_set() for w in self.pair.watchers.values()):
            self.observe(Ending.OUTPUT_LIMIT)

    def _relay(self, grader: wire.Channel, wall_deadline: float, *, until: Op = Op.DONE) -> bool:
        """Relay the grader's requests and collect its reports until it sends ``until`` (True), or the run has
        to stop (False, with what was seen)."""
        total = len(self.job.declared_tests)
        holding = False  # the grader box has the student's last answer and has not spoken since
        while True:
            try:
                raw = grader.recv_bytes(deadline=wall_deadline)
            except wire.FrameTimeout:
                self.observe(Ending.WALL_TIME)
                return False
            except wire.WireError as exc:
                self.grader_stopped(exc, holding=holding)
                return False
            holding = False
            try:
                message = wire.parse_message(raw)
            except wire.WireError as exc:  # our runner never sends such a frame: a bug of ours
                self.observe(Ending.GRADER_BROKEN, f"the grader box sent a frame that could not be read ({exc})")
                return False
            op = message["op"]
            if op in wire.REQUESTS:
                reply = self.forward(raw, message, wall_deadline)
                try:
                    grader.send_bytes(reply, deadline=wall_deadline)
                except wire.FrameTimeout:  # the grader stopped reading: it is stuck on an earlier answer
                    self.observe(Ending.WALL_TIME)
                    return False
                except (wire.WireError, OSError) as exc:
                    self.grader_stopped(exc, holding=True)
                    return False
                holding = True
                if self.stopped() or self.grader_gone:
                    return False
            elif op == Op.TEST:
                self.collector.add(message)
                if self.progress:
                    self.progress(self.collector.done, total)
            elif op == Op.METRIC:
                self.add_metric(message)
            elif op == Op.COLLECTED:
                pass
            elif op == Op.GRADER_ERROR:
                text = clean_text(str(message.get("message", "")), 2000)
                self.observe(Ending.GRADER_BROKEN, "the grader could not be loaded: " + text)
            elif op == until:
                self.grader_done = op == Op.DONE
                return True
            else:
                if Ending.GRADER_BROKEN not in self.seen:  # keep the first reason (a collection error, say)
                    self.observe(Ending.GRADER_BROKEN, f"the grader sent an unknown message {clean_text(op[:100])!r}")
                return False

    def grader_stopped(self, exc: Exception, *, holding: bool) -> None:
        """The grader box went away mid-run. Whose doing that was depends on what it was doing: holding an
        answer from the student box (between receiving it and its next frame), the answer did it (a value
        that exhausts its memory, or crashes it while it is read): the submission's, charged like any result.
        Otherwise (collecting, between tests, in a grader's own code) it is ours: never charged."""
        server = self.pair.server
        if self.stopped_from_outside("grader") if server is None else server.stopped_from_outside():
            self.observe(Ending.STOPPED_FROM_OUTSIDE, "the grader box was stopped from outside")
        elif server is not None and server.lost(self.pair.server_run):
            # Its server went with no word of the child's end (removed by this worker, its channel broken):
            # ours, and a fresh server may well grade it.
            self.observe(Ending.STOPPED_FROM_OUTSIDE, "the grader server stopped")
        elif not holding:
            self.observe(Ending.GRADER_BROKEN, f"the grader box stopped unexpectedly ({exc})")
        elif self.oom_killed("grader") if server is None else server.killed_for_memory(self.pair.server_run):
            self.observe(Ending.ANSWER_EXHAUSTED_GRADER)
        else:
            self.observe(Ending.ANSWER_CRASHED_GRADER)

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
            reason = "ran past a time limit" if self.student.stop_reason == StopReason.TIMEOUT else "stopped"
            return wire.stopped_frame(
                StopReason.STOPPED, "Stopped",
                f"Your program {reason} during an earlier call, so this call could not run.",
            )
        student = self.channels["student"]
        timeout = message.get("timeout")
        call_limit = self.job.limits.call_timeout_s
        if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
            call_limit = min(float(timeout), self.job.limits.wall_s)
        sent = time.monotonic()
        deadline = min(wall_deadline, sent + call_limit + CALL_GRACE_S)
        answering = 0.0  # seconds the grader spent answering the scripted model: not the call's time
        try:
            student.send_bytes(raw, deadline=deadline)
            answer = student.recv_bytes(deadline=deadline)
            while answer.startswith(wire.LLM_FRAME_PREFIX):  # the call asks the scripted model first
                if time.monotonic() - sent - answering >= call_limit:
                    reply = model_error(504, "The call's time is up: the model takes no more requests in it.")
                else:
                    asked = time.monotonic()
                    reply = self.model_exchange(answer, wall_deadline)
                    answering += time.monotonic() - asked
                    deadline = min(wall_deadline, sent + answering + call_limit + CALL_GRACE_S)
                if self.grader_gone:
                    return wire.stopped_frame(StopReason.STOPPED, "Stopped", "The grader stopped during this call.")
                student.send_bytes(reply, deadline=deadline)
                answer = student.recv_bytes(deadline=deadline)
            # Only this process can say a call ran out of time: an exception the student names "Timeout" is
            # just an exception. The box's own alarm answers at the limit, so its answer arrives late.
            return wire.answer_frame(answer, late=time.monotonic() - sent - answering >= call_limit)
        except wire.FrameTimeout:
            if time.monotonic() >= wall_deadline:
                self.observe(Ending.WALL_TIME)
            self.kill_student()
            self.observe(Ending.CALL_TIMEOUT)
            self.student = StudentState(alive=False, stop_reason=StopReason.TIMEOUT)
            return wire.stopped_frame(
                StopReason.TIMEOUT, "Timeout", f"The call did not finish within {call_limit:g} s."
            )
        except (wire.WireError, OSError) as exc:  # OSError: the request could not be sent (EPIPE)
            self.student = StudentState(alive=False, stop_reason=StopReason.CRASH)
            if self.oom_killed(self.student_box):
                self.observe(Ending.STUDENT_OUT_OF_MEMORY)
                return wire.stopped_frame(
                    StopReason.MEMORY, "MemoryError", "Your program ran out of memory during this call and was stopped."
                )
            if self.stopped_from_outside(self.student_box):
                self.observe(Ending.STOPPED_FROM_OUTSIDE, "the student box was stopped from outside during a call")
                return wire.stopped_frame(
                    StopReason.STOPPED, "Stopped", "The sandbox was stopped from outside; this run will be retried."
                )
            if isinstance(exc, wire.ChannelClosed | OSError):
                text = "Your program stopped during this call (os._exit, a crash, or too much memory)."
            else:
                text = f"Your program sent an answer that could not be read ({exc})."
            return wire.stopped_frame(StopReason.CRASH, "Crashed", text)

    def model_exchange(self, frame: bytes, wall_deadline: float) -> bytes:
        """One request of the submission to the scripted model (relayed by the student box during a call):
        checked here, answered by the grader box's script, returned as the frame for the student box. What
        the submission gets wrong (no model offered, too large, malformed) is answered here with an HTTP
        error and never reaches the grader. The grader gets MODEL_ANSWER_S of its own to answer (not the
        call's time, which the submission controls); past that the request did it: charged as a timeout."""
        deadline = min(wall_deadline, time.monotonic() + MODEL_ANSWER_S)
        spec = self.job.declared_tests.llm
        if spec is None:
            return model_error(404, "This exercise offers no model.")
        if len(frame) > LLM_MAX_FRAME:
            return model_error(413, f"The request is larger than {LLM_MAX_FRAME // 1024} KiB.")
        try:
            message = wire.parse_message(frame, max_values=LLM_MAX_VALUES)
        except wire.WireError:
            return model_error(400, "The request could not be read.")
        method, path, body = message.get("method"), message.get("path"), message.get("body")
        if method not in ("GET", "POST") or type(path) is not str or type(body) is not str or len(path) > 2000:
            return model_error(400, "The request could not be read.")
        grader = self.channels["grader"]
        try:
            request = {"op": Op.LLM, "request": {"method": method, "path": path, "body": body}}
            grader.send_bytes(json.dumps(request, separators=(",", ":")).encode(), deadline=deadline)
            raw = grader.recv_bytes(deadline=deadline)
        except wire.FrameTimeout:
            self.grader_gone = True
            if time.monotonic() >= wall_deadline:
                self.observe(Ending.WALL_TIME)
            else:
                self.observe(Ending.MODEL_REQUEST_STALLED_GRADER, f"{MODEL_ANSWER_S:g}")
            return model_error(504, "The model did not answer in time.")
        except (wire.WireError, OSError) as exc:
            self.grader_gone = True
            self.grader_stopped(exc, holding=True)  # it died holding the submission's request
            return model_error(502, "The model stopped.")
        try:
            reply = wire.parse_message(raw)
        except wire.WireError:
            reply = {}
        if reply.get("op") != Op.LLM_REPLY:
            self.grader_gone = True
            self.observe(Ending.GRADER_BROKEN, "the grader box sent something else than the model's answer")
            return model_error(502, "The model's answer could not be read.")
        return raw

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
            channel.send(student_go(self.job))
            deadline = min(wall_deadline, time.monotonic() + limits.load_timeout_s)
            hello = channel.recv(deadline=deadline, max_frame=HELLO_MAX_FRAME)
            while hello.get("op") == Op.CHECKPOINT:  # the fresh copy runs to the end: its checks pause nothing
                channel.send({"op": Op.RESUME})
                hello = channel.recv(deadline=deadline, max_frame=HELLO_MAX_FRAME)
        except (PairNotReady, wire.WireError, OSError):
            return False
        if hello.get("op") != Op.READY:
            return False
        if not self.loading:  # the first box stopped at a check point before its "ready": this one's report
            self.loading = describe_loading(hello)
        self.student = StudentState()
        return True

    # ------------------------------------------------------------------ the boxes, from outside

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
        return killed_since(self.client, container.id, self.pair.created_wall)

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

    def student_output(self) -> str:
        """What the current student box printed (its first ``output_kb``, as its watcher read it), cleaned."""
        watcher = self.pair.watchers.get(self.student_box)
        cap = self.job.limits.output_kb * 1024
        return "" if watcher is None else clean_text(watcher.output(), cap, keep="start")

    def grader_output(self) -> str:
        """What the run's grader printed, cleaned and capped (read as the box is: clean-up removes it)."""
        cap = self.job.limits.output_kb * 1024
        server = self.pair.server
        if server is not None:
            # The run's child prints to a file of its own, which the server reports when the child ends: at
            # once after "done"; a child still grading (the wall clock, a broken grader) is stopped first.
            if not (self.grader_done and server.exited(self.pair.server_run, EXIT_AFTER_DONE_S)):
                server.kill(self.pair.server_run)
            return clean_text(server.output(self.pair.server_run), cap)
        container = self.containers.get("grader")
        if container is None:
            return ""
        try:
            data: bytes = container.logs(stdout=True, stderr=True)
        except docker.errors.APIError:
            return ""
        return clean_text(data, cap)


def model_error(status: int, text: str) -> bytes:
    """An HTTP error answer of the scripted model, made by the worker (the grader box never sees the request);
    ``x-should-retry: false``, so the client does not ask again what will be refused again."""
    kind = "invalid_request_error" if status < 500 else "api_error"
    body = json.dumps({"error": {"message": text, "type": kind, "code": status}})
    reply = {"op": Op.LLM_REPLY, "status": status, "body": body, "headers": {"x-should-retry": "false"}}
    return json.dumps(reply).encode()


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


def describe_loading(message: dict[str, Any]) -> tuple[str, ...]:
    """What a notebook's "ready" frame says of its cells, for the student: each cell's error (cell, line,
    the student's traceback) and each note (a magic or shell line skipped), cleaned and capped. The frame is
    the student box's, so whatever in it is malformed is left out, never a failure of the run."""
    errors, notes = message.get("errors"), message.get("notes")
    errors, notes = (errors if isinstance(errors, list) else []), (notes if isinstance(notes, list) else [])
    omitted_errors = _count(message.get("omitted_errors")) + max(0, len(errors) - MAX_CELL_MESSAGES)
    omitted_notes = _count(message.get("omitted_notes")) + max(0, len(notes) - MAX_CELL_MESSAGES)
    errors, notes = errors[:MAX_CELL_MESSAGES], notes[:MAX_CELL_MESSAGES]
    described = []
    for error in errors:
        if not isinstance(error, dict):
            continue
        cell, line = _count(error.get("cell")), _count(error.get("line"))
        where = (f"Cell {cell}" if cell else "A cell") + (f", line {line}" if line else "")
        what = _text(error.get("error"), 500, keep="start") or "an error"
        trace = _text(error.get("traceback"), 2000).strip("\n")
        described.append(f"{where}: {what}" + (f"\n{trace}" if trace.strip() else ""))
    total = len(described) + omitted_errors
    if total:
        described.insert(0, f"Your notebook's cells raised {total} error{'s' if total > 1 else ''}; the cells after "
                         "an error still ran, and the tests use what the cells defined.")
    if omitted_errors:
        described.append(f"... and {omitted_errors} more cell error(s), not shown.")
    described += [clean_text(note, 300, keep="start") for note in notes if isinstance(note, str)]
    if omitted_notes:
        described.append(f"... and {omitted_notes} more note(s), not shown.")
    return tuple(described)


def _text(value: Any, cap: int, keep: str = "end") -> str:
    return clean_text(value, cap, keep=keep) if isinstance(value, str) else ""


def _count(value: Any) -> int:
    """A small positive count or number from a box's frame; 0 for anything else."""
    return value if type(value) is int and 0 < value < 1_000_000 else 0
