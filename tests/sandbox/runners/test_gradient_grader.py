"""gradient_grader's helpers for hidden evaluation data, in this process: the secret seed and send-once.

(The same helpers in the real grader box, with the secret handed over by the worker, are tested in
tests/sandbox/test_grader_helpers.py.)"""

from __future__ import annotations

import hashlib
import hmac
import random
import sys
from pathlib import Path

import numpy as np
import pytest

RUNNERS = Path(__file__).resolve().parents[3] / "sandbox" / "runners"


@pytest.fixture
def grader(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """gradient_grader as the grader box imports it (top level, next to gradient_wire), connected to a run."""
    monkeypatch.syspath_prepend(str(RUNNERS))
    for name in ("gradient_grader", "gradient_wire"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    import gradient_grader

    gradient_grader.connect(object(), secret="the-deployment-secret")  # type: ignore[arg-type]
    return gradient_grader


def test_hidden_seed_is_hmac_sha256_of_the_name_keyed_with_the_secret(grader) -> None:  # type: ignore[no-untyped-def]
    name = "classical-ml/digits-challenge:test"
    digest = hmac.new(b"the-deployment-secret", name.encode(), hashlib.sha256).digest()
    seed = grader.hidden_seed(name)
    assert seed == int.from_bytes(digest[:16], "big")
    assert type(seed) is int and 0 <= seed < 2**128
    assert grader.hidden_seed(name) == seed  # the same on every call: regrades agree
    assert grader.hidden_seed(name + "x") != seed
    # numpy and random take it, and draw the same values from it every time
    assert np.random.default_rng(seed).integers(0, 10**9, 5).tolist() == np.random.default_rng(seed).integers(0, 10**9, 5).tolist()
    assert random.Random(seed).random() == random.Random(seed).random()


def test_hidden_seed_changes_with_the_secret(grader) -> None:  # type: ignore[no-untyped-def]
    first = grader.hidden_seed("any")
    grader.connect(object(), secret="another-deployment")
    assert grader.hidden_seed("any") != first
    grader.connect(object(), secret="")  # no secret (unit tests): an empty key, still deterministic
    assert grader.hidden_seed("any") == int.from_bytes(hmac.new(b"", b"any", hashlib.sha256).digest()[:16], "big")


def test_hidden_inputs_are_handed_over_once(grader) -> None:  # type: ignore[no-untyped-def]
    xs = np.arange(12.0).reshape(3, 4)
    assert grader.send_hidden_once("test images", xs) is xs
    assert grader.send_hidden_once("other images", xs + 1) is not None  # other content, other name: fine
    with pytest.raises(grader.HiddenInputsResent, match="'test images' were already sent to your code once"):
        grader.send_hidden_once("test images", xs)
    assert issubclass(grader.HiddenInputsResent, AssertionError)  # the test fails (not errors) with the message
    grader.send_hidden_once("", [2**80 + 1])
    with pytest.raises(grader.HiddenInputsResent):
        grader.send_hidden_once("", [0])  # an empty name is a name too
    grader.send_hidden_once("big", [2**80])  # differs from 2**80 + 1 although their floats are equal


def test_the_same_content_under_another_name_or_type_is_refused(grader) -> None:  # type: ignore[no-untyped-def]
    contexts = ["the old fox", "anna said, 'the"]
    grader.send_hidden_once("public passages, first 16 characters", contexts)
    with pytest.raises(grader.HiddenInputsResent, match="as 'public passages, first 16 characters'"):
        grader.send_hidden_once("a retry", tuple(contexts))
    xs = np.array([[1, 2], [3, 4]])
    grader.send_hidden_once("xs", xs)
    with pytest.raises(grader.HiddenInputsResent):
        grader.send_hidden_once("xs as floats in a list", xs.astype(float).tolist())
    grader.send_hidden_once("xs transposed", xs.T)  # other content


def test_a_new_run_starts_with_nothing_sent(grader) -> None:  # type: ignore[no-untyped-def]
    grader.send_hidden_once("test images", [1, 2, 3])
    grader.connect(object(), secret="the-deployment-secret")  # the next run's connection
    assert grader.send_hidden_once("test images", [1, 2, 3]) == [1, 2, 3]


def test_a_student_exception_is_also_its_builtin_type_and_never_more() -> None:
    from sandbox.runners.gradient_grader import StudentError, student_error

    error = student_error("ValueError", "bad n")
    assert isinstance(error, ValueError) and isinstance(error, StudentError) and error.type_name == "ValueError"
    assert (str(error), error.args, type(error).__name__, type(error).__module__) == ("bad n", ("bad n",), "ValueError", "builtins")
    # A student's StopIteration must not end the grader's own loops (Remote.__next__ alone maps the end).
    assert type(student_error("StopIteration", "")) is StudentError
    # Names that are not built-in exceptions, or not Exceptions at all, stay plain StudentErrors.
    for name in ("MyError", "SystemExit", "KeyboardInterrupt", "GeneratorExit", "print", "os.system", "StudentError"):
        made = student_error(name, "x")
        assert type(made) is StudentError, name
    assert type(student_error("UnicodeDecodeError", "x")) is StudentError  # its constructor takes other arguments
