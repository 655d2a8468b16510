"""The codec and frames between the boxes: exact types out, nothing executable in."""

from __future__ import annotations

import json
import math
import socket
import threading
from collections import Counter, namedtuple

import numpy as np
import pytest

from sandbox.runners import gradient_wire as wire


def roundtrip(value):  # type: ignore[no-untyped-def]
    return wire.decode(json.loads(json.dumps(wire.encode(value))))


@pytest.mark.parametrize(
    "value",
    [None, True, 0, -7, 2**80, 1.5, "text", [1, [2, "x"]], (1, (2,)), {"a": 1}, {(1, 2): "tuple key"},
     {1, 2}, frozenset({"a"}), b"\x00\xff", [(1, "a"), (2, "b")]],
)
def test_plain_values_round_trip_exactly(value) -> None:  # type: ignore[no-untyped-def]
    back = roundtrip(value)
    assert back == value and type(back) is type(value)


def test_special_floats_round_trip() -> None:
    back = roundtrip([math.inf, -math.inf, math.nan])
    assert back[0] == math.inf and back[1] == -math.inf and math.isnan(back[2])


def test_arrays_keep_dtype_shape_and_bytes() -> None:
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    back = roundtrip(array)
    assert type(back) is np.ndarray and back.dtype == np.float32 and back.shape == (3, 4)
    assert np.array_equal(back, array)
    assert roundtrip(np.int64(5)) == 5 and type(roundtrip(np.int64(5))) is int
    assert type(roundtrip(np.float64(0.25))) is float and type(roundtrip(np.bool_(True))) is bool


def test_zero_dimensional_arrays_keep_their_shape() -> None:
    back = roundtrip(np.array(2.5))
    assert type(back) is np.ndarray and back.shape == () and float(back) == 2.5


def test_object_arrays_never_cross() -> None:
    with pytest.raises(TypeError):
        wire.encode(np.array([object()], dtype=object))


def test_lying_eq_cannot_cross_as_its_own_type() -> None:
    class Liar(int):
        def __eq__(self, other):  # type: ignore[no-untyped-def]
            return True

        __hash__ = int.__hash__

    back = roundtrip([Liar(3)])
    assert type(back[0]) is int and back[0] == 3 and back[0] != 4

    class AlwaysEqual:
        def __eq__(self, other):  # type: ignore[no-untyped-def]
            return True

    handles: list[object] = []
    encoded = wire.encode(AlwaysEqual(), lambda obj: (handles.append(obj) or len(handles), "AlwaysEqual", False))
    decoded = wire.decode(encoded)
    assert isinstance(decoded, wire.Handle) and decoded.type_name == "AlwaysEqual"
    assert decoded != 42


def test_dict_and_tuple_subclasses_cross_as_plain_values() -> None:
    pair = namedtuple("pair", "word count")
    assert roundtrip(Counter("aab")) == {"a": 2, "b": 1} and type(roundtrip(Counter("a"))) is dict
    assert type(roundtrip(pair("x", 1))) is tuple


@pytest.mark.parametrize(
    "data",
    [
        {"$": "pickle", "v": "gASV"},
        {"$": "ndarray", "dtype": "|O", "shape": [1], "v": ""},
        {"$": "ndarray", "dtype": "<f8", "shape": [2], "v": "AAAA"},
        {"$": "float", "v": "__import__('os')"},
        {"$": "dict", "v": [[[1], 2]]},
        {"no": "tag"},
    ],
)
def test_decoder_rejects_anything_else(data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(wire.WireError):
        wire.decode(data)


def test_deep_nesting_is_refused() -> None:
    value: list[object] = []
    for _ in range(200):
        value = [value]
    with pytest.raises(ValueError):
        wire.encode(value)


def test_frames_are_capped_and_timed() -> None:
    left, right = socket.socketpair()
    sender, receiver = wire.Channel(left), wire.Channel(right, max_frame=1024)
    sender.send({"op": "ping", "n": 1})
    assert receiver.recv() == {"op": "ping", "n": 1}
    left.sendall(wire.HEADER.pack(10_000))  # announces more than the cap
    with pytest.raises(wire.WireError, match="exceeds"):
        receiver.recv()
    with pytest.raises(wire.FrameTimeout):
        wire.Channel(socket.socketpair()[0]).recv(deadline=0)
    left.close()
    right.close()


def test_closed_peer_is_reported() -> None:
    left, right = socket.socketpair()
    threading.Thread(target=left.close).start()
    with pytest.raises(wire.ChannelClosed):
        wire.Channel(right).recv()


def test_malformed_frames_are_errors() -> None:
    for payload in (b"not json", b"[1, 2]", b'{"op": 3}'):
        with pytest.raises(wire.WireError):
            wire.parse_message(payload)
