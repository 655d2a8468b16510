"""A harmless stand-in for Otter-Grader's ``otter`` module, in the student box only.

Notebooks written for Otter start with ``import otter; grader = otter.Notebook()`` and call
``grader.check("q1")``, ``grader.check_all()``, ``grader.export(...)`` and ``grader.to_pdf()``. Otter is not
installed in the box (and its checks would run public tests the student already has): these calls do nothing
and return something harmless, so such a notebook runs here as it does in Jupyter. The hidden grader, not
this module, decides the score.

Every ``grader.check(...)`` goes through :func:`check_point`. When the notebook runner has set ``hook`` (it
does for a notebook being graded), the call may be a check point: the notebook pauses there while the hidden
grader runs that question's tests against its state (notebook_runner.CheckPoints decides which calls are).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__version__ = "0+gradient"


class CheckResult:
    """What ``grader.check(...)`` returns: shown as one short line when it is a cell's last expression."""

    def __init__(self, question: str | None) -> None:
        self.question = question

    def __repr__(self) -> str:
        what = "All questions" if self.question is None else str(self.question)[:100]
        return f"{what}: checked by the hidden grader when your notebook is graded."

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


# Set by the notebook runner: called with the question (None for check_all) of every check.
hook: Callable[[str | None], None] | None = None


def check_point(question: str | None) -> CheckResult:
    """Where every ``grader.check(question)`` (and ``check_all()``, with None) goes."""
    if hook is not None and (question is None or type(question) is str):
        hook(question)
    return CheckResult(question)


class Notebook:
    """``otter.Notebook(...)``: accepts Otter's arguments and ignores them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def check(self, question: str, *args: Any, **kwargs: Any) -> CheckResult:
        return check_point(question)

    def check_all(self, *args: Any, **kwargs: Any) -> CheckResult:
        return check_point(None)

    def export(self, *args: Any, **kwargs: Any) -> None:
        return None

    def to_pdf(self, *args: Any, **kwargs: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        """Any other of Otter's methods (``run_plugin``, ``add_plugin_files``...): a call that does nothing."""
        if name.startswith("_"):
            raise AttributeError(name)
        return _nothing


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None
