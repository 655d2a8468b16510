"""pytest plugin for the benchmark floor: the hidden tests run on the host, in one process with the
reference solution, no sandbox. `student` is the imported module itself (what unsafe graders do).

It stands in for the grader harness (sandbox/runners/grader_runner.py) where graders lean on it: the `rng`
fixture (seeded from the test's name, as in the box) and `call_timeout` (a no-op: nothing to relay)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import gradient_grader


@contextmanager
def _no_timeout(seconds: float) -> Iterator[None]:
    yield


# Graders do `from gradient_grader import call_timeout`, at collection, after this plugin has loaded.
gradient_grader.call_timeout = _no_timeout  # type: ignore[assignment]


@pytest.fixture
def student():  # type: ignore[no-untyped-def]
    path = os.environ["FLOOR_SOLUTION"]
    spec = importlib.util.spec_from_file_location("solution", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return _Direct(module)


@pytest.fixture
def rng(request):  # type: ignore[no-untyped-def]
    import numpy as np

    return np.random.default_rng(gradient_grader.seed_for(request.node.name))


class _Direct:
    """Calls the module's functions directly; exceptions become StudentError as the real proxy does."""

    def __init__(self, module) -> None:  # type: ignore[no-untyped-def]
        self._module = module

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        from gradient_grader import StudentError

        target = getattr(self._module, name)
        if not callable(target):
            return target

        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            try:
                return target(*args, **kwargs)
            except Exception as exc:
                raise StudentError(type(exc).__name__, str(exc)) from exc

        return call
