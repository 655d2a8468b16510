"""What hidden graders import: ``points``, ``StudentError`` and the proxy behind the ``student`` fixture.

Lives in the grader box. Student code runs in another container; ``student.count_words("a b")`` sends a
request over the worker's channel and returns exact built-in (or numpy) values decoded by the safe codec.
Objects that cannot cross (a model instance, a fitted estimator) come back as ``Remote`` handles whose
attributes and methods are used remotely.
"""

from __future__ import annotations

import math
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from scripted_model import ModelError, ScriptedModel, count_tokens, tool_call  # noqa: F401 - for graders
from scripted_model import error_reply as _error_reply

import gradient_wire as wire

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CALL_TIMEOUT = float(os.environ.get("GRADIENT_CALL_TIMEOUT", "5"))
DATA_DIR = Path(os.environ.get("GRADIENT_DATA_DIR", "/box/in/tests/data"))
METRIC_PARTS = ("public", "private")


def points(n: int | float | str) -> Callable[[F], F]:
    """A test's points: ``@points(3)``, ``@points(0.5)``, ``@points("0.25")`` (0 allowed). The worker reads the
    literal from the source before the run (sandbox.manifest); this only marks the function."""

    def mark(func: F) -> F:
        func.gradient_points = n  # type: ignore[attr-defined]
        return func

    return mark


def question(name: str) -> Callable[[F], F]:
    """The question a test counts towards: ``@question("q1")``. Like ``points``, read from the source."""

    def mark(func: F) -> F:
        func.gradient_question = name  # type: ignore[attr-defined]
        return func

    return mark


def hidden(func: F) -> F:
    """A hidden test: students see its outcome and points, never its name or message (staff see all)."""
    func.gradient_hidden = True  # type: ignore[attr-defined]
    return func


# What a hidden test's feedback may reveal. Feedback may always show what was called (the inputs), what the
# student's code returned or raised, and in words why that is wrong. The expected value appears only in the
# feedback of a test marked @shows_expected (where the exercise makes it public anyway); elsewhere expected()
# and the runner's assertion messages put HIDDEN in its place, so fixed hidden inputs cannot be answered by
# copying expected values out of the feedback.

HIDDEN = "(hidden)"
MAX_EXPECTED_REPR = 200
_feedback: dict[str, Any] = {"test": None, "shows_expected": False}


def shows_expected(func: F) -> F:
    """Mark a test whose feedback may show its expected values (they are public: in the statement, or plain
    from the inputs the message shows). Like ``points``, it only sets an attribute the runner reads."""
    func.gradient_shows_expected = True  # type: ignore[attr-defined]
    return func


def begin_test(name: str | None, *, shows: bool) -> None:
    """Called by the grader runner around each test: which test runs and whether it shows expected values.
    Each test gets a fresh scripted model (its script, requests and budget are its own)."""
    global _model
    _feedback.update(test=name, shows_expected=bool(shows))
    _model = ScriptedModel(_llm_spec)


def model() -> ScriptedModel:
    """The running test's scripted model (the ``llm`` fixture)."""
    return _model


def showing_expected() -> bool:
    """Whether the running test's feedback may show expected values (False outside any test)."""
    return bool(_feedback["shows_expected"])


def capped_repr(value: Any, limit: int = MAX_EXPECTED_REPR) -> str:
    """repr of a value, at most ``limit`` characters (numpy scalars as plain numbers)."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        try:
            value = value.item()
        except Exception:  # noqa: BLE001,S110 - keep the original value's repr
            pass
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a repr that raises must not hide the failure
        text = f"<{type(value).__name__} whose repr raised {type(exc).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expected(value: Any) -> str:
    """The expected value for a feedback message: its repr (capped) in a test marked @shows_expected, else
    HIDDEN. Write ``f"f({x!r}) returned {got!r}, expected {expected(want)}"``."""
    return capped_repr(value) if showing_expected() else HIDDEN


class StudentError(Exception):
    """Student code raised (or crashed, or ran out of time) while the grader was calling it."""

    def __init__(self, type_name: str, message: str, traceback: str = "") -> None:
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name = type_name
        self.message = message
        self.student_traceback = traceback


class StudentTimeout(StudentError):
    """A call into student code ran past its time limit."""


_AS_BUILTIN: dict[str, type[StudentError]] = {}


# Never made into their built-in: a student's StopIteration would silently end the grader's own loops
# (`all(map(student.is_prime, primes))`); Remote.__next__ alone turns the end of a student iterator into one.
NOT_AS_BUILTIN = frozenset({"StopIteration", "StopAsyncIteration"})


def student_error(type_name: str, message: str, traceback: str = "") -> StudentError:
    """The StudentError for what the student's code raised. Where that is a built-in exception (ValueError,
    NameError, KeyError...), it is also an instance of that built-in and looks like one (its name, its module,
    ``str()`` the message alone), so code brought from notebooks treats it as the student's process would:
    ``except ValueError:``, a doctest expecting ``ValueError: negative``. Only the name crosses: the class is
    this box's own."""
    import builtins

    cls = _AS_BUILTIN.get(type_name)
    if cls is None:
        builtin = getattr(builtins, type_name, None) if type_name.isidentifier() else None
        cls = StudentError
        if (type_name not in NOT_AS_BUILTIN and isinstance(builtin, type) and issubclass(builtin, Exception)
                and not issubclass(builtin, StudentError)):
            made = type(type_name, (StudentError, builtin), {"__module__": "builtins", "__qualname__": type_name,
                                                              "__str__": _message_only})
            try:
                made(type_name, message, traceback)  # some built-ins take other arguments (UnicodeDecodeError)
                cls = made
            except TypeError:
                pass
        _AS_BUILTIN[type_name] = cls
    error = cls(type_name, message, traceback)
    if cls is not StudentError:
        error.args = (message,)
    return error


def _message_only(self: StudentError) -> str:
    return self.message


class Bridge:
    """The grader's end of the channel; one request at a time."""

    def __init__(self, channel: wire.Channel) -> None:
        self.channel = channel
        self.lock = threading.Lock()
        self.call_timeout = DEFAULT_CALL_TIMEOUT

    def request(self, message: dict[str, Any]) -> Any:
        with self.lock:
            self.channel.send(message)
            reply = self.channel.recv()
            while reply.get("op") == wire.Op.LLM:  # the call asks the scripted model (already checked by the worker)
                answer = _model.serve(reply.get("request"))
                try:
                    self.channel.send(answer)
                except wire.WireError as exc:  # an answer too large for a frame: the script's, not the channel's
                    if _model.failure is None:
                        _model.failure = AssertionError(f"the scripted model's answer could not be sent: {exc}")
                    self.channel.send(_error_reply(500, "The model's answer was too large.", retry=False))
                reply = self.channel.recv()
        if _model.failure is not None:  # the test's own script failed an assertion on a request: that is the verdict
            failure, _model.failure = _model.failure, None
            raise failure
        op = reply.get("op")
        if op == wire.Op.STOPPED:  # the worker stopped the call (time, memory, a crash): its word, not the student's
            type_name, text, trace = _error_fields(reply.get("error"))
            if reply.get("reason") == wire.StopReason.TIMEOUT:
                raise StudentTimeout(type_name, text, trace)
            raise student_error(type_name, text, trace)
        if op != wire.Op.ANSWER:
            raise wire.WireError("unexpected reply from the worker")
        late = reply.get("late") is True  # set by the worker: the call ran past its time limit
        answer = reply.get("v")
        if type(answer) is not dict or answer.get("op") != wire.Op.RESULT:
            raise wire.WireError("unexpected reply from the student box")
        if answer.get("ok") is True and not late:
            return self.wrap(wire.decode(answer.get("value")))
        if answer.get("ok") is True:
            raise StudentTimeout("Timeout", "the call answered only after its time limit")
        type_name, text, trace = _error_fields(answer.get("error"))
        if late:
            raise StudentTimeout(type_name, text, trace)
        raise student_error(type_name, text, trace)

    def wrap(self, value: Any) -> Any:
        if isinstance(value, wire.Handle):
            return Remote(self, value.id, value.type_name, value.is_callable)
        if type(value) is list:
            return [self.wrap(v) for v in value]
        if type(value) is tuple:
            return tuple(self.wrap(v) for v in value)
        if type(value) is dict:
            return {k: self.wrap(v) for k, v in value.items()}
        return value


def _error_fields(error: Any) -> tuple[str, str, str]:
    if type(error) is not dict:
        raise wire.WireError("malformed error reply")
    type_name, text, trace = (str(error.get(k, ""))[:4000] for k in ("type", "message", "traceback"))
    return type_name, text, trace


def _unwrap(value: Any) -> Any:
    """Student objects (``Remote``) go back to the student box as references, wherever they sit in the
    arguments; everything else crosses by value."""
    if isinstance(value, Remote):
        target = object.__getattribute__(value, "_target")
        if target is None:
            raise TypeError("the student module itself cannot be passed to student code")
        return wire.Handle(target, object.__getattribute__(value, "_type_name"), object.__getattribute__(value, "_callable"))
    if type(value) is list:
        return [_unwrap(v) for v in value]
    if type(value) is tuple:
        return tuple(_unwrap(v) for v in value)
    if type(value) is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def same_object(a: Any, b: Any) -> bool:
    """Whether two handles stand for one object in the student box (``fit`` returning ``self``). Each answer
    is a new handle, so ``a == b`` is False for two answers naming the same object: compare with this."""
    return (
        isinstance(a, Remote) and isinstance(b, Remote)
        and object.__getattribute__(a, "_target") is not None
        and object.__getattribute__(a, "_target") == object.__getattribute__(b, "_target")
    )


class Remote:
    """A student object that stayed in the student box. Equality is identity: no remote ``__eq__``."""

    __slots__ = ("_bridge", "_target", "_type_name", "_callable")

    def __init__(self, bridge: Bridge, target: int | None, type_name: str, is_callable: bool) -> None:
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_type_name", type_name)
        object.__setattr__(self, "_callable", is_callable)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._bridge.request({"op": wire.Op.GETATTR, "target": self._target, "name": name})

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._target is None:
            raise TypeError("the student module itself is not callable")
        return self._bridge.request(
            {
                "op": wire.Op.CALL,
                "target": self._target,
                "args": wire.encode([_unwrap(a) for a in args]),
                "kwargs": wire.encode({k: _unwrap(v) for k, v in kwargs.items()}),
                "timeout": self._bridge.call_timeout,
            }
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("student objects are read-only from the grader")

    # A few protocols forwarded on purpose, each answered by the student's own method in the student box;
    # the answers cross the codec, so they are exact ints, bools and strings. Equality stays identity.
    def _dunder(self, name: str, *args: Any) -> Any:
        method = self._bridge.request({"op": wire.Op.GETATTR, "target": self._target, "name": name})
        return method(*args)

    def __len__(self) -> int:
        try:
            value = self._dunder("__len__")
        except StudentError as exc:
            if exc.type_name != "AttributeError" or isinstance(exc, StudentTimeout):
                raise
            # No __len__ (a generator): what len() says of such an object, so list(obj) and the like go on.
            raise TypeError(f"object of type {self._type_name!r} has no len()") from None
        if type(value) is not int:
            raise TypeError("__len__ of the student object did not return an int")
        return value

    def __contains__(self, item: Any) -> bool:
        return bool(self._dunder("__contains__", item) is True)

    def __iter__(self) -> Any:
        """``iter(obj)``, ``for x in obj``: the student's own ``__iter__``; the iterator stays in the student box."""
        return self._dunder("__iter__")

    def __next__(self) -> Any:
        """``next(obj)`` on a student's generator or iterator: its own ``__next__``, in the student box; its
        end (the student box's StopIteration) is a StopIteration here."""
        try:
            return self._dunder("__next__")
        except StudentError as exc:
            if exc.type_name == "StopIteration" and not isinstance(exc, StudentTimeout):
                raise StopIteration from None
            raise

    def __str__(self) -> str:
        value = self._dunder("__str__")
        return value if type(value) is str else repr(self)

    def __repr__(self) -> str:
        return f"<student {self._type_name}>"


_bridge: Bridge | None = None
_secret = ""
_submission = ""
_llm_spec: dict[str, Any] | None = None  # the grader's LLM = {...}, as the worker sent it; None: no model offered
_model = ScriptedModel(None)


def connect(
    channel: wire.Channel, *, secret: str = "", submission: str = "", llm: dict[str, Any] | None = None
) -> None:
    global _bridge, _secret, _submission, _llm_spec, _model
    _bridge = Bridge(channel)
    _secret = secret
    _submission = submission
    _llm_spec = llm
    _model = ScriptedModel(llm)


def grader_secret() -> str:
    """The deployment's grader secret (settings.GRADER_SECRET), handed to this box with the run; "" where none
    was given. It never reaches the student box; graders mix it into the seeds of hidden data."""
    return _secret


def student_module() -> Remote:
    if _bridge is None:
        raise RuntimeError("the grader harness is not connected to a student box")
    return Remote(_bridge, None, "module", False)


# Names a test always takes from the grader box, never from the student's globals: the builtins (a student's
# `bool = lambda x: True` must not pass `assert bool(...)`), and what IPython puts in a notebook's namespace.
GRADER_NAMES = frozenset(dir(__import__("builtins"))) | {"In", "Out", "get_ipython", "exit", "quit", "display"}


class StudentGlobals(dict):  # type: ignore[type-arg]
    """The student's globals as the dict a notebook's tests run in (``exec``, doctest): reading a name asks
    the student box for it (a plain value comes back, or a ``Remote``) unless the test bound it itself;
    ``del`` deletes it there (nbgrader's ``del squares``); builtins are the grader box's own. What the test
    binds stays in this dict (see ``__setitem__``). Nothing read is cached, so each read sees the student's
    state as it is at that moment."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self._bridge = bridge

    def _ask(self, op: str, name: str, **extra: Any) -> Any:
        try:
            return self._bridge.request({"op": op, "target": None, "name": name, **extra})
        except StudentError as exc:
            if exc.type_name == "AttributeError" and not isinstance(exc, StudentTimeout):
                raise KeyError(name) from None
            raise

    def __getitem__(self, name: str) -> Any:
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        if type(name) is not str or name.startswith("__") or name in GRADER_NAMES:
            raise KeyError(name)  # exec goes on to the grader box's builtins
        return self._ask(wire.Op.GETATTR, name)

    def __setitem__(self, name: str, value: Any) -> None:
        """What a test binds (``expected = 55``, ``import numpy as np``) stays in the test: sent to the student
        box, it could be read or changed by the code under test. ``send`` writes a student global on purpose."""
        dict.__setitem__(self, name, value)

    def send(self, name: str, value: Any) -> None:
        """Set the student's global ``name`` to ``value`` (which crosses by value, or by reference for a
        student object): for a test that must change the student's state. Never send a hidden value."""
        if type(name) is not str or not name.isidentifier():
            raise ValueError("a global's name must be an identifier")
        self._ask(wire.Op.SETATTR, name, value=wire.encode(_unwrap(value)))
        dict.pop(self, name, None)

    def __delitem__(self, name: str) -> None:
        if dict.__contains__(self, name):
            dict.__delitem__(self, name)
            return
        self._ask(wire.Op.DELATTR, name)

    def __contains__(self, name: object) -> bool:
        try:
            self[name]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[name]
        except KeyError:
            return default


def student_globals() -> StudentGlobals:
    if _bridge is None:
        raise RuntimeError("the grader harness is not connected to a student box")
    return StudentGlobals(_bridge)


def run_cell(source: str, namespace: StudentGlobals, *, name: str = "test cell") -> None:
    """Run a test cell's code (nbgrader's asserts, an imported check) in the student's globals: an assert
    that fails fails the test with the cell's own message."""
    code = compile(source, f"<{name}>", "exec", dont_inherit=True)
    exec(code, namespace)  # noqa: S102 - the grader's own (trusted) test code; student values only as data


def run_doctest(source: str, namespace: StudentGlobals, *, name: str = "doctest") -> None:
    """Run an Otter-style doctest (``>>> expr`` lines with their expected output) against the student's
    globals; AssertionError with doctest's report when an example's output differs. An expected ``True`` or
    ``False`` also matches numpy's ``np.True_``/``np.False_`` (numpy 2 prints bools so)."""
    import doctest

    parser = doctest.DocTestParser()
    test = parser.get_doctest(source, {}, name, None, 0)
    test.globs = namespace  # DocTest keeps a copy of the globs it is given: a plain dict, not the proxy
    checker = _BoolTolerantChecker()
    runner = doctest.DocTestRunner(checker=checker, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    if runner.failures:
        raise AssertionError("".join(report).strip()[-1500:] or "a doctest example failed")


class _BoolTolerantChecker:
    def __init__(self) -> None:
        import doctest

        self._checker = doctest.OutputChecker()

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        numpy_bools = {"np.True_": "True", "np.False_": "False", "numpy.True_": "True", "numpy.False_": "False"}
        got = numpy_bools.get(got.strip(), got.strip()) + "\n" if got.strip() in numpy_bools else got
        return bool(self._checker.check_output(want, got, optionflags))

    def output_difference(self, example: Any, got: str, optionflags: int) -> str:
        return str(self._checker.output_difference(example, got, optionflags))


@contextmanager
def call_timeout(seconds: float) -> Iterator[None]:
    """Raise the per-call time limit for calls in this block (bounded by the run's wall time)."""
    if _bridge is None:
        raise RuntimeError("the grader harness is not connected to a student box")
    previous = _bridge.call_timeout
    _bridge.call_timeout = float(seconds)
    try:
        yield
    finally:
        _bridge.call_timeout = previous


def data_path(name: str) -> Path:
    """A file of the exercise's hidden data (graders/<slug>/data/), readable only in the grader box."""
    return DATA_DIR / name


def seed_for(name: str) -> int:
    """A stable seed derived from a name (use the test's name), so every run draws the same inputs."""
    return zlib.crc32(name.encode())


def record_metric(name: str, value: float, *, part: str = "public") -> None:
    """Report a metric for the leaderboard. ``part`` is "public" (shown while the assignment is open) or
    "private" (revealed after the due date). Labels never leave the grader box; only the number does."""
    if part not in METRIC_PARTS:
        raise ValueError(f"part must be one of {METRIC_PARTS}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"metric {name} is not a finite number: {value}")
    if _bridge is None:
        raise RuntimeError("the grader harness is not connected")
    with _bridge.lock:
        _bridge.channel.send({"op": wire.Op.METRIC, "name": str(name)[:100], "value": value, "part": part})


def assert_close(actual: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-8, what: str = "the result") -> None:
    """Compare numbers or arrays with a tolerance and a message a student can act on. The message names the
    first differing index and the student's value there; the expected value only in a @shows_expected test."""
    import numpy as np

    if hasattr(actual, "detach"):  # a torch tensor
        actual = actual.detach().cpu().numpy()
    if hasattr(expected, "detach"):
        expected = expected.detach().cpu().numpy()
    try:
        got = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be numbers, got {type(actual).__name__}: {actual!r:.200}") from None
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        raise AssertionError(f"{what} has shape {got.shape}, expected {want.shape}")
    if np.isnan(got).any() and not np.isnan(want).any():
        raise AssertionError(f"{what} contains NaN")
    close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        where = f" at index {index}" if got.ndim else ""
        wanted = f"{want[index] if want.ndim else float(want):.6g}" if showing_expected() else HIDDEN
        raise AssertionError(
            f"{what} differs{where}: got {got[index] if got.ndim else float(got):.6g}, "
            f"expected {wanted} "
            f"({int((~close).sum())} of {close.size} values differ beyond rtol={rtol:g}, atol={atol:g})"
        )


class AppClient:
    """HTTP requests to a student's ASGI app (FastAPI) that stays in the student box.

        client = AppClient(student.app)          # or AppClient(student.create_app())
        response = client.post("/predict", json={"x": [1, 2]})
        assert response["status"] == 200 and response["json"] == {...}
    """

    def __init__(self, app: Remote) -> None:
        if not isinstance(app, Remote):
            raise TypeError("AppClient needs a student object (for example student.app)")
        self.app = app

    def request(self, method: str, path: str, *, json: Any = None) -> dict[str, Any]:
        bridge = object.__getattribute__(self.app, "_bridge")
        target = object.__getattribute__(self.app, "_target")
        return bridge.request(
            {
                "op": wire.Op.HTTP,
                "target": target,
                "method": method,
                "path": path,
                "json": None if json is None else wire.encode(json),
                "timeout": bridge.call_timeout,
            }
        )

    def get(self, path: str) -> dict[str, Any]:
        return self.request("GET", path)

    def post(self, path: str, *, json: Any = None) -> dict[str, Any]:
        return self.request("POST", path, json=json)


class ServiceDown(AssertionError):
    """The submission's server could not be reached (it exited, or never listened): the test fails with why."""


class ServiceResponse:
    """One answer of the submission's server, made inside the student box: untrusted data, already capped."""

    def __init__(self, data: Any) -> None:
        data = data if type(data) is dict else {"error": "malformed answer"}
        self.error: str | None = str(data["error"])[:3000] if data.get("error") is not None else None
        status = data.get("status")
        self.status: int | None = status if type(status) is int else None
        headers = data.get("headers")
        self.headers: dict[str, str] = {
            str(k).lower(): str(v) for k, v in (h for h in (headers if type(headers) is list else [])
                                                if type(h) in (list, tuple) and len(h) == 2)
        }
        body = data.get("body")
        self.body: bytes = body if type(body) is bytes else b""
        self.truncated = data.get("truncated") is True
        chunks = data.get("chunks")
        self.chunks: list[tuple[float, int]] = [
            (float(c[0]), int(c[1])) for c in (chunks if type(chunks) is list else [])
            if type(c) in (list, tuple) and len(c) == 2 and all(type(x) in (int, float) for x in c)
        ]
        self.elapsed_s = float(data["elapsed_s"]) if type(data.get("elapsed_s")) in (int, float) else None
        self.first_byte_s = float(data["first_byte_s"]) if type(data.get("first_byte_s")) in (int, float) else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON; a failed test (with what came back) when it is not."""
        self.raise_for_error()
        import json as _json

        try:
            return _json.loads(self.body)
        except (ValueError, RecursionError):
            raise AssertionError(f"the response ({self.status}) is not JSON: {self.text[:200]!r}") from None

    def events(self) -> list[str]:
        """The ``data:`` payloads of a server-sent-events body, in order."""
        return [line[5:].strip() for line in self.text.splitlines() if line.startswith("data:")]

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise AssertionError(f"The request to your service failed: {self.error}")

    def __repr__(self) -> str:
        return f"<response {self.status if self.error is None else self.error[:80]}>"


class ServiceClient:
    """HTTP requests to the submission's server (``SERVICE = {...}`` in the grader), made by the student box's
    runner on its own loopback and relayed by the worker like any call:

        api = service()
        response = api.post("/predict", json={"text": "great"})
        assert response.status == 200 and response.json()["label"] == "positive"
        answers = api.many([("GET", "/health")] * 20, concurrency=8)      # concurrent requests
        assert api.elapsed_s < 2.0      # the batch's time, measured in the grader box (trusted)

    A response's own ``elapsed_s``, ``first_byte_s`` and ``chunks`` are measured in the student box, where the
    submission could change them: informative only. ``elapsed_s`` of the client is the last batch's.
    """

    elapsed_s: float | None = None

    def request(self, method: str, path: str, *, json: Any = None, body: bytes | str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 10.0) -> ServiceResponse:
        return self.many([_service_request(method, path, json, body, headers)], timeout=timeout)[0]

    def get(self, path: str, **options: Any) -> ServiceResponse:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> ServiceResponse:
        return self.request("POST", path, **options)

    def many(self, requests: list[Any], *, concurrency: int = 1, timeout: float = 10.0) -> list[ServiceResponse]:
        """Several requests, ``concurrency`` at a time: each a ``(method, path)`` or ``(method, path, json)``
        tuple or a dict with method, path, json, body, headers."""
        if _bridge is None:
            raise RuntimeError("the grader harness is not connected")
        import time as _time

        frames = [_as_service_request(r) for r in requests]
        workers = min(max(int(concurrency), 1), 16)  # as the runner clamps it
        rounds = math.ceil(len(frames) / workers)
        began = _time.monotonic()
        answer = _bridge.request({
            "op": wire.Op.SERVICE, "requests": wire.encode(frames), "concurrency": workers,
            # a request may take about twice its limit (the headers, then the last piece of its body)
            "request_timeout": timeout, "timeout": min(300.0, 2 * timeout * rounds + 5.0),
        })
        # Measured here, in the grader box: the responses' own timings come from the student box, where the
        # submission runs, so a check that must hold (latency under load) uses this one.
        self.elapsed_s = _time.monotonic() - began
        if type(answer) is not dict:
            raise AssertionError("The service's answer could not be read.")
        responses = answer.get("responses")
        if not responses:
            raise ServiceDown(str(answer.get("problem") or "Your service could not be reached.")[:3000])
        return [ServiceResponse(r) for r in responses]


def _service_request(method: str, path: str, json: Any, body: bytes | str | None,
                     headers: dict[str, str] | None) -> dict[str, Any]:
    import json as _json

    headers = dict(headers or {})
    if json is not None:
        body = _json.dumps(json)
        headers.setdefault("Content-Type", "application/json")
    return {"method": method, "path": path, "body": body, "headers": headers}


def _as_service_request(request: Any) -> dict[str, Any]:
    if isinstance(request, tuple | list) and 2 <= len(request) <= 3:
        return _service_request(request[0], request[1], request[2] if len(request) == 3 else None, None, None)
    if isinstance(request, dict):
        return _service_request(request.get("method", "GET"), request["path"], request.get("json"),
                                request.get("body"), request.get("headers"))
    raise TypeError("a request is (method, path[, json]) or a dict")


def service() -> ServiceClient:
    """The submission's server, for a grader that declares ``SERVICE = {...}``."""
    return ServiceClient()


# Hidden evaluation data of leaderboard challenges. graders/ is public, so a seed written there hides nothing:
# hidden data come from hidden_seed(), which mixes in the deployment's secret, and are sent to the student box
# once per run through send_hidden_once(), so no model can record them on a first pass and replay them later.


T = TypeVar("T")


class HiddenInputsResent(AssertionError):
    """A grader tried to send hidden evaluation inputs to the student box a second time in one run."""


def hidden_seed(name: str) -> int:
    """A seed for hidden evaluation data that only this deployment can reproduce: HMAC-SHA256 of ``name`` keyed
    with grader_secret(), as a 128-bit int (``numpy.random.default_rng`` and ``random.Random`` take it). The same
    secret and name give the same seed on every run (regrades agree); another secret gives unrelated data. Put
    the exercise's slug and the set's role in ``name`` ("classical-ml/digits-challenge:test"). With no secret
    (some unit tests) the key is empty and the seed is public: a deployment always has one."""
    import hashlib
    import hmac

    digest = hmac.new(grader_secret().encode(), str(name).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:16], "big")


def submission_seed(name: str) -> int:
    """A seed for hidden inputs drawn anew for each submission: HMAC-SHA256 of ``name`` and the submission's
    digest (its files' names and bytes, computed by the worker), keyed with grader_secret(). A regrade of the
    same files draws the same inputs; another submission draws others, so values copied from one run's
    feedback do not fit the next. ``check_exercises`` grades the reference of an exercise that uses it
    under several secrets (several seeds), so the tests must hold for any draw."""
    import hashlib
    import hmac

    message = f"{name}\0{_submission}".encode("utf-8", "surrogatepass")
    digest = hmac.new(grader_secret().encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:16], "big")


def submission_rng(name: str) -> Any:
    """``numpy.random.default_rng(submission_seed(name))``: random hidden inputs for this submission."""
    import numpy

    return numpy.random.default_rng(submission_seed(name))


_hidden_sent: dict[str, Any] = {"run": None, "names": {}, "contents": {}}


def _fingerprint(value: Any) -> str:
    """A digest of a value's content: the same arrays, lists, strings and numbers give the same digest whether
    they are sent as numpy arrays or lists, so a resend cannot hide under another name or container type."""
    import hashlib

    digest = hashlib.sha256()

    def feed(item: Any) -> None:
        if hasattr(item, "detach"):  # a torch tensor
            item = item.detach().cpu().numpy()
        if hasattr(item, "dtype") and hasattr(item, "shape") and hasattr(item, "tolist"):  # numpy
            item = item.tolist()
        if isinstance(item, list | tuple):
            digest.update(b"[%d" % len(item))
            for element in item:
                feed(element)
        elif isinstance(item, dict):
            digest.update(b"{%d" % len(item))
            for key in sorted(item, key=repr):
                feed(key)
                feed(item[key])
        elif isinstance(item, str):
            data = item.encode("utf-8", "surrogatepass")
            digest.update(b"s%d:" % len(data) + data)
        elif isinstance(item, bytes | bytearray):
            digest.update(b"b%d:" % len(item) + bytes(item))
        elif isinstance(item, bool) or item is None:
            digest.update(repr(item).encode())
        elif isinstance(item, float) or (isinstance(item, int) and abs(item) < 2**53):
            digest.update(b"n" + repr(float(item)).encode() + b";")  # 1 and 1.0 alike, as arrays convert
        elif isinstance(item, int):
            digest.update(b"i" + repr(item).encode() + b";")
        else:
            data = repr(item).encode("utf-8", "surrogatepass")
            digest.update(b"r%d:" % len(data) + data)

    feed(value)
    return digest.hexdigest()


def send_hidden_once(name: str, inputs: T) -> T:
    """Hidden evaluation inputs, handed to a call into student code at most once per run:

        got = student.train_and_predict(X_train, y_train, send_hidden_once("test images", X_test))

    Returns ``inputs`` unchanged the first time. A second send in the same run, under the same ``name`` or with
    the same content under another name, raises HiddenInputsResent: the test fails with a clear message instead
    of giving the student's code a second look at data it may have recorded (a retry after a failed first
    pass). Keep the student's answer, or the first failure, and reuse it in the other tests."""
    state = _hidden_sent
    if state["run"] is not _bridge:  # a new run (one grader box grades one run; a harness may connect again)
        state.update(run=_bridge, names={}, contents={})
    key = str(name)
    content = _fingerprint(inputs)
    first = key if key in state["names"] else state["contents"].get(content)
    if first is not None:
        raise HiddenInputsResent(
            f"The hidden evaluation inputs {key!r} were already sent to your code once in this run "
            f"(as {first!r}); hidden inputs are never sent twice, so they are not scored again. "
            "The first attempt's result stands: see the first failing test."
        )
    state["names"][key] = key
    state["contents"][content] = key
    return inputs
