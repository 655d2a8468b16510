"""pytest plugin for the benchmark floor: the hidden tests run on the host, in one process with the
reference solution, no sandbox. `student` is the imported module itself (what unsafe graders do)."""

from __future__ import annotations

import importlib.util
import os

import pytest


@pytest.fixture
def student():  # type: ignore[no-untyped-def]
    path = os.environ["FLOOR_SOLUTION"]
    spec = importlib.util.spec_from_file_location("solution", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return _Direct(module)


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
