"""The wire between the boxes and the worker: length-prefixed JSON frames and a safe value codec.

This file runs in three places: the student box, the grader box (both from the sandbox image, stdlib and
optionally numpy only) and the host worker (imported as ``sandbox.runners.gradient_wire``). Nothing here
ever unpickles: a value crosses as JSON types plus tagged objects (tuples, dicts with any keys, bytes, sets,
numpy arrays as dtype, shape and raw bytes, handles for objects that cannot cross). Decoding builds exact
built-in or numpy types, so an object with a lying ``__eq__`` can never reach an assert in the grader.
"""

from __future__ import annotations

import base64
import enum
import itertools
import json
import math
import re
import socket
import struct
import time
from typing import Any

HEADER = struct.Struct(">I")
DEFAULT_MAX_FRAME = 8 * 1024 * 1024
MAX_DEPTH = 64
# Bounds checked on a frame's bytes before anything is built from it (see parse_message): a hostile frame
# under the size cap must not cost the reader more than a bounded amount of memory and time.
MAX_VALUES = 250_000  # JSON values (containers, strings, numbers...) in one frame
MAX_SAME_HASH = 8  # distinct set items or dict keys that share one hash (honest data: almost never 2)
HASH_CHECK_FROM = 64  # sets and dicts smaller than this cannot be slow whatever their hashes
MAX_NDIM = 32

# Numeric dtypes that may cross; object, string and void arrays never do.
ARRAY_KINDS = frozenset("biufc")


class Op(enum.StrEnum):
    """Every frame's ``"op"``: the wire's one vocabulary, for the boxes and the worker alike."""

    WARM = "warm"  # box -> worker: the runner is loaded and waits
    GO = "go"  # worker -> box: the job (the module to load; the tests to run)
    READY = "ready"  # student box -> worker: the submission loaded
    LOAD_ERROR = "load_error"  # student box -> worker: it did not (kind, message)
    GETATTR = "getattr"  # grader box -> worker -> student box: the REQUESTS for student code
    CALL = "call"
    HTTP = "http"
    SETATTR = "setattr"  # grader -> student: set one of the student module's globals (a notebook test's `x = ...`)
    DELATTR = "delattr"  # grader -> student: delete one (nbgrader's `del squares` in a test cell)
    RESULT = "result"  # student box -> worker: the answer to one request
    ANSWER = "answer"  # worker -> grader box: a RESULT, wrapped by the worker (answer_frame)
    STOPPED = "stopped"  # worker -> grader box: the call was stopped (stopped_frame, StopReason)
    COLLECTED = "collected"  # grader box -> worker: the tests pytest found
    TEST = "test"  # grader box -> worker: one finished test (TestResultOutcome)
    METRIC = "metric"  # grader box -> worker: a leaderboard metric
    GRADER_ERROR = "grader_error"  # grader box -> worker: the tests could not be collected
    DONE = "done"  # grader box -> worker: the run is over
    # A notebook's check points (a `grader.check("q1")` call, a test cell): the student box pauses there, the
    # grader runs that question's tests against the notebook's state at that point, then the notebook goes on.
    CHECKPOINT = "checkpoint"  # student box -> worker: paused at a check point of {"question": NAME}
    RESUME = "resume"  # worker -> student box: go on running the notebook
    RUN = "run"  # worker -> grader box: run {"tests": [names]} now (without "tests": every test not yet run)
    RAN = "ran"  # grader box -> worker: the tests of the last "run" with names have finished
    # A scripted model (an exercise's `LLM = {...}`): student code calls an OpenAI-compatible URL served by a
    # relay inside the student box; during a call from the grader, the relay sends the HTTP request up the
    # box's one channel, the worker checks it and hands it to the grader box, whose script answers.
    LLM = "llm"  # student box -> worker -> grader box: one HTTP request to the model (checked by the worker)
    LLM_REPLY = "llm_reply"  # grader box -> worker -> student box: the model's HTTP answer
    SERVICE = "service"  # grader -> student: HTTP requests to the submission's server, made inside the student box
    # A grader server (grader_runner.py --serve): one grader box that serves many runs, a forked child per run.
    # Only the worker and the server's parent process speak these; the parent never hears from a student box.
    FORK = "fork"  # worker -> server: start a child for {"run": NAME}; it connects to runs/NAME/chan.sock
    FORKED = "forked"  # server -> worker: the child's {"run", "pid"}
    KILL = "kill"  # worker -> server: SIGKILL {"run": NAME}'s child and everything it started
    EXITED = "exited"  # server -> worker: a child ended {"run", "pid", "code" | "signal"}, or none started {"run", "error"}


REQUESTS = frozenset({Op.GETATTR, Op.CALL, Op.HTTP, Op.SETATTR, Op.DELATTR, Op.SERVICE})  # what the grader asks

# How the student runner starts an LLM request frame (json.dumps of {"op": "llm", ...} with compact
# separators): the worker tells it from the answer to a call by these bytes alone, without parsing answers.
# A submission can forge the prefix: the worker then checks the frame as a request and answers 400, which
# harms no one but that submission.
LLM_FRAME_PREFIX = b'{"op":"llm",'


class TestResultOutcome(enum.StrEnum):
    """How one test ended, as the grader box reports it (``Op.TEST``) and the worker stores it."""

    __test__ = False  # not a pytest test class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"


class StopReason(enum.StrEnum):
    """Why the worker answered a call with ``Op.STOPPED`` instead of the student box's answer."""

    TIMEOUT = "timeout"  # the call ran past its limit; the box was killed
    MEMORY = "memory"  # the box ran out of memory during the call
    CRASH = "crash"  # the box died or sent what could not be read
    STOPPED = "stopped"  # the box was gone before the call (an earlier call stopped it), or stopped from outside


class WireError(Exception):
    """The other side broke the protocol (bad frame, bad JSON, oversized, closed)."""


class ChannelClosed(WireError):
    """The other side closed the connection."""


class FrameTimeout(WireError):
    """No complete frame arrived before the deadline."""


class Channel:
    """A framed JSON channel over a connected stream socket."""

    def __init__(self, sock: socket.socket, *, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.sock = sock
        self.max_frame = max_frame

    def send_bytes(self, payload: bytes, deadline: float | None = None) -> None:
        """Send one frame; with a deadline, a peer that stops reading raises FrameTimeout, not a hang."""
        if len(payload) > self.max_frame:
            raise WireError(f"frame of {len(payload)} bytes exceeds the limit of {self.max_frame}")
        self.sock.settimeout(None if deadline is None else max(0.001, deadline - time.monotonic()))
        try:
            self.sock.sendall(HEADER.pack(len(payload)) + payload)
        except TimeoutError as exc:
            raise FrameTimeout("timed out sending a frame") from exc

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps(message, separators=(",", ":")).encode())

    def recv_bytes(self, deadline: float | None = None, *, max_frame: int | None = None) -> bytes:
        """One frame's bytes; ``max_frame`` lowers the channel's cap for this frame."""
        cap = self.max_frame if max_frame is None else min(max_frame, self.max_frame)
        (size,) = HEADER.unpack(self._read_exact(HEADER.size, deadline))
        if size > cap:
            raise WireError(f"frame of {size} bytes exceeds the limit of {cap}")
        return self._read_exact(size, deadline)

    def recv(self, deadline: float | None = None, *, max_frame: int | None = None) -> dict[str, Any]:
        return parse_message(self.recv_bytes(deadline, max_frame=max_frame))

    def _read_exact(self, size: int, deadline: float | None) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            if deadline is None:
                self.sock.settimeout(None)
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise FrameTimeout("timed out waiting for a frame")
                self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(min(remaining, 1 << 20))
            except TimeoutError as exc:
                raise FrameTimeout("timed out waiting for a frame") from exc
            except OSError as exc:
                raise ChannelClosed(str(exc)) from exc
            if not chunk:
                raise ChannelClosed("the other side closed the channel")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


_STRUCTURE = b"[{,:"
_ALL_BUT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[{,:')  # what bytes.translate deletes
_SKELETON_STRING = re.compile(rb'"[^"]*"')


def count_values(payload: bytes, limit: int = MAX_VALUES) -> int:
    """An upper bound on the JSON values ``json.loads(payload)`` would build, counted on the bytes.

    Every value but the first starts a container or follows a comma or a colon, so one plus the count of
    ``[ { , :`` outside strings bounds them, and a frame shorter than the limit needs no counting (each
    value takes a byte). Counted in C over the bytes: first every such byte, strings included (enough for
    almost every honest frame); only where that is over the limit, exactly, on a skeleton of the frame that
    keeps quotes and structure (escaped quotes and backslashes removed first, so the quotes left pair up).
    The cheap bounds are returned as they are while they are within ``limit``."""
    if len(payload) <= limit:
        return len(payload)
    rough = 1 + sum(payload.count(bytes([mark])) for mark in _STRUCTURE)
    if rough <= limit:
        return rough
    skeleton = payload.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _ALL_BUT_STRUCTURE)
    # Two strings are always apart by a comma or a colon, so '""' is a string with no structure inside.
    skeleton = skeleton.replace(b'""', b"")
    inside = sum(match.end() - match.start() - 2 for match in _SKELETON_STRING.finditer(skeleton))
    return rough - inside


def parse_message(payload: bytes, *, max_values: int = MAX_VALUES) -> dict[str, Any]:
    """One frame as a dict, refusing before parsing a frame that would build more than ``max_values``
    values (memory) and, through ``json``'s own recursion limit, one nested deeper than about 1000."""
    values = count_values(payload, max_values)
    if values > max_values:
        raise WireError(f"a frame holds {values} values, more than the limit of {max_values}")
    try:
        message = json.loads(payload)
    except (ValueError, RecursionError, MemoryError) as exc:
        raise WireError(f"malformed frame: {str(exc)[:200]}") from exc
    if type(message) is not dict or type(message.get("op")) is not str:
        raise WireError("a frame must be a JSON object with a string 'op'")
    return message


# ------------------------------------------------------------- what the worker hands the grader after a call
#
# The worker relays the student box's answer without parsing it, wrapped in a frame of its own whose keys
# come after the answer: JSON keeps the last of duplicate keys, so whatever the student's bytes hold, "op"
# and "late" are the worker's. Only the worker says a call ran out of time ("late", or a "stopped" frame):
# an exception a student names "Timeout" is just an exception.

# Op.ANSWER: {"v": <the student box's result frame>, "late": bool, "op": "answer"}
# Op.STOPPED: {"op": "stopped", "reason": <StopReason>, "error": {...}}
_ANSWER_TAIL = (',"op":' + json.dumps(Op.ANSWER.value) + "}").encode()


def answer_frame(student_frame: bytes, *, late: bool) -> bytes:
    return b'{"v":' + student_frame + b',"late":' + (b"true" if late else b"false") + _ANSWER_TAIL


def stopped_frame(reason: StopReason, type_name: str, message: str) -> bytes:
    error = {"type": type_name, "message": message, "traceback": ""}
    return json.dumps({"op": Op.STOPPED, "reason": reason, "error": error}).encode()


# --------------------------------------------------------------------------- codec


class Handle:
    """A reference to an object that stayed in the student box (decoded form, before the proxy wraps it)."""

    __slots__ = ("id", "type_name", "is_callable")

    def __init__(self, id: int, type_name: str, is_callable: bool) -> None:
        self.id = id
        self.type_name = type_name
        self.is_callable = is_callable


def encode(value: Any, register_handle: Any = None, _depth: int = 0) -> Any:
    """Turn a value into JSON-able data. ``register_handle(obj) -> (id, type_name, callable)`` keeps
    objects that cannot cross; without it such objects are an error."""
    if _depth > MAX_DEPTH:
        raise ValueError("value is nested too deeply to send")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is Handle:  # a student object going back to the student box, by reference
        return {"$": "handle", "id": value.id, "type": value.type_name, "callable": value.is_callable}
    if kind is int:
        return value if -(2**63) <= value < 2**63 else {"$": "bigint", "v": str(value)}
    if kind is float:
        if math.isfinite(value):
            return value
        return {"$": "float", "v": repr(value)}
    if kind is list:
        return [encode(item, register_handle, _depth + 1) for item in value]
    if kind is tuple:
        return {"$": "tuple", "v": [encode(item, register_handle, _depth + 1) for item in value]}
    if kind is dict:
        return {
            "$": "dict",
            "v": [
                [encode(k, register_handle, _depth + 1), encode(v, register_handle, _depth + 1)]
                for k, v in value.items()
            ],
        }
    if kind is set or kind is frozenset:
        return {"$": kind.__name__, "v": [encode(item, register_handle, _depth + 1) for item in value]}
    if kind is bytes or kind is bytearray:
        return {"$": "bytes", "v": base64.b64encode(bytes(value)).decode()}
    encoded_array = _encode_array_like(value)
    if encoded_array is not None:
        return encoded_array
    encoded_frame = _encode_pandas(value, _depth)
    if encoded_frame is not None:
        return encoded_frame
    # Subclasses of the plain types and numpy scalars cross as their plain value.
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        item = value.item()
        if type(item) in (bool, int, float, complex, str, bytes):
            return encode(item if type(item) is not complex else [item.real, item.imag], register_handle, _depth + 1)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return encode(int.__index__(value), register_handle, _depth + 1)
    if isinstance(value, float):
        return encode(float.__float__(value), register_handle, _depth + 1)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, dict):  # Counter, OrderedDict, defaultdict: plain dicts on the other side
        return encode(dict(value.items()), register_handle, _depth + 1)
    if isinstance(value, tuple):  # named tuples
        return encode(tuple(iter(value)), register_handle, _depth + 1)
    if isinstance(value, list):
        return encode(list(iter(value)), register_handle, _depth + 1)
    if register_handle is None:
        raise TypeError(f"a value of type {kind.__name__} cannot be sent")
    handle_id, type_name, is_callable = register_handle(value)
    return {"$": "handle", "id": handle_id, "type": type_name, "callable": is_callable}


def _encode_array_like(value: Any) -> dict[str, Any] | None:
    module = type(value).__module__ or ""
    if module.startswith("numpy"):
        import numpy as np

        if isinstance(value, np.generic):
            return None  # numpy scalars cross as Python scalars (see below), like most graders expect
        if isinstance(value, np.ndarray):
            return _array_dict(value, "ndarray")
    if module.startswith("torch") and type(value).__name__ in {"Tensor", "Parameter"}:
        tensor = value.detach().cpu().contiguous()
        import numpy as np  # noqa: F401  (torch tensors cross through numpy)

        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()
        return _array_dict(tensor.numpy(), "tensor")
    return None


# pandas values cross as values (a test written for a notebook compares DataFrames and Series, and checks
# `type(x) == pd.DataFrame`): columns of numbers and booleans as arrays, of text, categories or mixed objects
# as lists of plain values (missing values as None), naive datetimes as int64 counts of their unit. Anything else (a
# MultiIndex, an unusual dtype, a cell holding an object) leaves the frame in the student box as a handle.
PANDAS_LIST_DTYPES = frozenset({"object", "string", "str", "category"})
PANDAS_DATETIME = re.compile(r"datetime64\[(s|ms|us|ns)\]")  # naive datetimes, as int64 counts of their unit


def _encode_pandas(value: Any, depth: int) -> dict[str, Any] | None:
    module = type(value).__module__ or ""
    kind = type(value).__name__
    if not module.startswith("pandas") or kind not in ("DataFrame", "Series"):
        return None
    try:
        if kind == "Series":
            return {"$": "series", "name": encode(value.name, None, depth + 1), "index": _pandas_index(value.index, depth),
                    "v": _pandas_column(value, depth)}
        columns = [_pandas_column(value.iloc[:, i], depth) for i in range(value.shape[1])]
        return {"$": "dataframe", "columns": _pandas_index(value.columns, depth), "index": _pandas_index(value.index, depth),
                "v": columns}
    except (TypeError, ValueError, AttributeError):
        return None  # stays in the student box as a handle


def _pandas_index(index: Any, depth: int) -> dict[str, Any]:
    if type(index).__name__ == "RangeIndex":
        return {"range": [int(index.start), int(index.stop), int(index.step)], "name": encode(index.name, None, depth + 1)}
    if type(index).__name__ == "MultiIndex":
        raise TypeError("a MultiIndex does not cross")
    return {"values": _pandas_column(index, depth), "name": encode(index.name, None, depth + 1)}


def _pandas_column(column: Any, depth: int) -> dict[str, Any]:
    dtype = str(column.dtype)
    if PANDAS_DATETIME.fullmatch(dtype):
        return {"dtype": dtype, "v": _array_dict(column.to_numpy().astype("int64"), "ndarray")}
    if getattr(column.dtype, "kind", "") in ARRAY_KINDS and dtype == column.to_numpy().dtype.name:
        return {"dtype": dtype, "v": _array_dict(column.to_numpy(), "ndarray")}
    if dtype in PANDAS_LIST_DTYPES:
        import pandas as pd

        values = [None if (not isinstance(v, list | tuple | dict) and pd.isna(v) is True) else v for v in column.tolist()]
        return {"dtype": dtype, "v": [encode(v, None, depth + 2) for v in values]}
    raise TypeError(f"a column of dtype {dtype} does not cross")


def _decode_pandas(data: dict[str, Any], tag: str, depth: int) -> Any:
    try:
        import pandas as pd
    except ImportError as exc:
        raise WireError("a pandas value arrived, but pandas is not installed here") from exc
    try:
        return _build_pandas(data, tag, depth, pd)
    except (ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:  # pandas refused the parts
        raise WireError(f"malformed pandas value: {str(exc)[:200]}") from exc


def _build_pandas(data: dict[str, Any], tag: str, depth: int, pd: Any) -> Any:
    # Every column is exactly as long as the index: pandas would otherwise broadcast one value to the index's
    # length (a few bytes on the wire, gigabytes here).
    index = _decode_index(data.get("index"), depth, pd)
    if tag == "series":
        values, dtype = _decode_column(data.get("v"), depth, pd)
        name = decode(data.get("name"), depth + 1)
        _check_hashes([name], "series name")
        _check_length(values, index)
        return pd.Series(values, index=index, dtype=dtype, name=name)
    labels = _decode_index(data.get("columns"), depth, pd)
    columns = [_decode_column(column, depth, pd) for column in _as_list(data.get("v"))]
    if len(columns) != len(labels):
        raise WireError("a DataFrame's columns and labels differ in number")
    for values, _dtype in columns:
        _check_length(values, index)
    frame = pd.DataFrame(
        {i: pd.Series(values, index=index, dtype=dtype) for i, (values, dtype) in enumerate(columns)}, index=index
    )
    frame.columns = labels
    return frame


def _decode_index(data: Any, depth: int, pd: Any) -> Any:
    if type(data) is not dict:
        raise WireError("malformed pandas index")
    name = decode(data.get("name"), depth + 1)
    _check_hashes([name], "index name")
    if "range" in data:
        bounds = data.get("range")
        if type(bounds) is not list or len(bounds) != 3 or any(type(n) is not int for n in bounds) or bounds[2] == 0:
            raise WireError("malformed RangeIndex")
        if len(range(*bounds)) > MAX_VALUES:  # every other index is built from values the frame carries
            raise WireError("a RangeIndex longer than a frame may hold")
        return pd.RangeIndex(*bounds, name=name)
    values, dtype = _decode_column(data.get("values"), depth, pd)
    if dtype in PANDAS_LIST_DTYPES:
        _check_hashes(list(values), "index label")  # an index hashes its labels
    return pd.Index(values, dtype=dtype, name=name)


def _check_length(values: Any, index: Any) -> None:
    if getattr(values, "ndim", 1) != 1 or len(values) != len(index):
        raise WireError("a pandas column's length differs from its index's")


def _decode_column(data: Any, depth: int, pd: Any) -> tuple[Any, str]:
    if type(data) is not dict or type(data.get("dtype")) is not str:
        raise WireError("malformed pandas column")
    dtype, payload = data["dtype"], data.get("v")
    if PANDAS_DATETIME.fullmatch(dtype):
        counts = _decode_array(_as_dict(payload), "ndarray")
        if counts.dtype.name != "int64":
            raise WireError("malformed datetime column")
        return counts.astype(dtype), dtype
    if dtype in PANDAS_LIST_DTYPES:
        values = [decode(v, depth + 2) for v in _as_list(payload)]
        if dtype == "category":
            _check_hashes(values, "category")  # categories are hashed to be found
        if any(isinstance(v, Handle) for v in values):
            raise WireError("a pandas column may hold only plain values")
        return values, dtype
    array = _decode_array(_as_dict(payload), "ndarray")
    if array.dtype.name != dtype:
        raise WireError("a pandas column's dtype does not match its data")
    return array, dtype


def _as_dict(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise WireError("expected an object")
    return value


def _array_dict(array: Any, tag: str) -> dict[str, Any]:
    import numpy as np

    if array.dtype.kind not in ARRAY_KINDS:
        raise TypeError(f"arrays of dtype {array.dtype} cannot be sent")
    shape = list(np.shape(array))  # before ascontiguousarray, which turns a 0-d array into shape (1,)
    data = np.ascontiguousarray(array)
    return {
        "$": tag,
        "dtype": data.dtype.str,
        "shape": shape,
        "v": base64.b64encode(data.tobytes()).decode(),
    }


def decode(data: Any, _depth: int = 0) -> Any:
    """Build exact built-in values from what ``encode`` produced; reject anything else."""
    if _depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        return [decode(item, _depth + 1) for item in data]
    if kind is not dict:
        raise WireError(f"unexpected JSON value of type {kind.__name__}")
    tag = data.get("$")
    payload = data.get("v")
    if tag == "tuple":
        return tuple(decode(item, _depth + 1) for item in _as_list(payload))
    if tag == "dict":
        pairs = []
        for pair in _as_list(payload):
            if type(pair) is not list or len(pair) != 2:
                raise WireError("malformed dict entry")
            pairs.append((decode(pair[0], _depth + 1), decode(pair[1], _depth + 1)))
        _check_hashes([key for key, _ in pairs], "dict key")
        return dict(pairs)
    if tag in ("set", "frozenset"):
        items = [decode(item, _depth + 1) for item in _as_list(payload)]
        _check_hashes(items, "set item")
        return set(items) if tag == "set" else frozenset(items)
    if tag == "bytes":
        try:
            return base64.b64decode(_as_str(payload), validate=True)
        except ValueError as exc:
            raise WireError("malformed bytes") from exc
    if tag == "bigint":
        try:
            return int(_as_str(payload))
        except ValueError as exc:  # not a number, or more digits than Python converts
            raise WireError("malformed big integer") from exc
    if tag == "float":
        text = _as_str(payload)
        if text not in ("nan", "inf", "-inf"):
            raise WireError("malformed float")
        return float(text)
    if tag in ("ndarray", "tensor"):
        return _decode_array(data, tag)
    if tag in ("dataframe", "series"):
        return _decode_pandas(data, tag, _depth)
    if tag == "handle":
        handle_id, type_name = data.get("id"), data.get("type")
        if type(handle_id) is not int or type(type_name) is not str:
            raise WireError("malformed handle")
        return Handle(handle_id, type_name[:200], bool(data.get("callable")))
    raise WireError(f"unknown value tag {tag!r}")


def _check_hashes(keys: list[Any], what: str) -> None:
    """Refuse set items or dict keys built to collide (equal hashes, different values: e.g. integers that
    differ by a multiple of 2**61 - 1, whose hash is the same whatever the seed). Inserting n of them costs
    n**2 / 2 comparisons; sorting their hashes costs n log n."""
    if len(keys) < HASH_CHECK_FROM:
        try:
            for key in keys:
                hash(key)
        except TypeError as exc:
            raise WireError(f"unhashable {what}: {exc}") from exc
        return
    try:
        hashes = sorted(hash(key) for key in keys)
    except TypeError as exc:
        raise WireError(f"unhashable {what}: {exc}") from exc
    longest = max(sum(1 for _ in group) for _, group in itertools.groupby(hashes))
    if longest > MAX_SAME_HASH:
        raise WireError(f"{longest} {what}s share one hash value (a hash-collision attack)")


def _decode_array(data: dict[str, Any], tag: str) -> Any:
    import numpy as np

    try:
        dtype = np.dtype(_as_str(data.get("dtype")))
    except (TypeError, ValueError) as exc:
        raise WireError("malformed dtype") from exc
    if dtype.kind not in ARRAY_KINDS:
        raise WireError(f"dtype {dtype} may not cross")
    shape = data.get("shape")
    if (type(shape) is not list or len(shape) > MAX_NDIM
            or any(type(n) is not int or n < 0 or n >= 2**63 for n in shape)):
        raise WireError("malformed shape")
    try:
        raw = base64.b64decode(_as_str(data.get("v")), validate=True)
    except ValueError as exc:
        raise WireError("malformed array data") from exc
    expected = dtype.itemsize * math.prod(shape)
    if len(raw) != expected:
        raise WireError(f"array data has {len(raw)} bytes, expected {expected}")
    try:
        array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    except ValueError as exc:  # e.g. a zero-size shape with a dimension numpy cannot index
        raise WireError(f"malformed array: {str(exc)[:200]}") from exc
    if tag == "tensor":
        try:
            import torch
        except ImportError:
            return array
        return torch.from_numpy(array)
    return array


def _as_list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise WireError("expected a list")
    return value


def _as_str(value: Any) -> str:
    if type(value) is not str:
        raise WireError("expected a string")
    return value
