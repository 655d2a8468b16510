"""The feedback rule's pieces in the grader box, without a box: expected(), @shows_expected, and how
grader_runner turns a failed check into the student's message (tests/sandbox/test_feedback_rule.py runs the
same rule through the real sandbox)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

RUNNERS = Path(__file__).resolve().parents[3] / "sandbox" / "runners"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """grader_runner as the box imports it (gradient_grader and gradient_wire as top-level modules)."""
    monkeypatch.syspath_prepend(str(RUNNERS))
    for name in ("grader_runner", "gradient_grader", "gradient_wire"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    module = importlib.import_module("grader_runner")
    yield module
    module.gradient_grader.begin_test(None, shows=False)


def test_expected_is_hidden_unless_the_running_test_shows_it(runner: ModuleType) -> None:
    grader = runner.gradient_grader
    assert grader.expected([1, 2]) == "(hidden)"  # outside any test: hidden
    grader.begin_test("test_a", shows=False)
    assert grader.expected({"the": 2}) == "(hidden)"
    grader.begin_test("test_b", shows=True)
    assert grader.expected({"the": 2}) == "{'the': 2}"
    assert grader.expected(np.float64(0.25)) == "0.25"
    long = grader.expected(list(range(1000)))
    assert len(long) == 200 and long.endswith("...")


def test_shows_expected_only_marks_the_function(runner: ModuleType) -> None:
    grader = runner.gradient_grader

    @grader.points(3)
    @grader.shows_expected
    def test_marked() -> None: ...

    def test_plain() -> None: ...

    assert test_marked.gradient_shows_expected is True and test_marked.gradient_points == 3
    item = type("Item", (), {"function": test_marked})()
    assert runner.shows_expected(item) is True
    assert runner.shows_expected(type("Item", (), {"function": test_plain})()) is False


def _failure(
    runner: ModuleType, error: BaseException, *, shows: bool, raised_in: str | None = None
) -> str:
    """The student's message for ``error`` raised in this file (a stand-in for a grader's test file)."""
    with pytest.raises(type(error)) as caught:
        raise error
    if raised_in is not None:  # pretend the error came from a library's file
        entry = type("Entry", (), {"path": Path(raised_in)})()
        caught.traceback = [entry]  # type: ignore[assignment,misc]
    return runner.failure_message(caught, shows_expected=shows, grader_dir=str(Path(__file__).parent))[1]


def test_a_hidden_test_keeps_the_graders_words_and_drops_pytests_values(runner: ModuleType) -> None:
    with_message = AssertionError("add(2, 3) returned 5, expected (hidden)\nassert 5 == 7331\n +  where 7331 = ref()")
    assert _failure(runner, with_message, shows=False) == "add(2, 3) returned 5, expected (hidden)"
    bare = AssertionError("assert False\n +  where False = allclose(5, 7331)")
    hidden = _failure(runner, bare, shows=False)
    assert hidden.startswith("assert False") and "7331" not in hidden
    library = AssertionError("\nNot equal to tolerance\n ACTUAL: array(5)\n DESIRED: array(7331)")
    text = _failure(runner, library, shows=False, raised_in="/usr/lib/python3/numpy/testing/utils.py")
    assert "7331" not in text and "a check failed" in text
    # A test marked @shows_expected keeps pytest's full explanation of a bare assert.
    assert "7331" in _failure(runner, bare, shows=True)
