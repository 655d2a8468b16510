"""Errors the sandbox raises to its callers, each with a message fit to show a person.

``retryable`` says whether another delivery of the same run may succeed where this one failed: a caller that
turns the error into an outcome passes it on (``Outcome.infrastructure(str(exc), retryable=exc.retryable)``).
"""

from __future__ import annotations

BUILD_COMMAND = "python -m sandbox.images build {name}"


class SandboxError(Exception):
    """Base class."""

    retryable = False


class SandboxUnavailable(SandboxError):
    """The sandbox cannot run here now (no Docker engine answers, the engine failed). Worth another try:
    an engine comes back."""

    retryable = True


class ImageMissing(SandboxUnavailable):
    """A sandbox image is not on the engine. Workers never build images (an operator or ``ensure_images``
    does, before jobs run), so another delivery cannot fix it: not retryable. The message names the command."""

    retryable = False

    def __init__(self, name: str, tag: str, *, variable: str = "") -> None:
        """``variable``: the SANDBOX_IMAGE_<NAME> setting that named a prebuilt ``tag`` (never built here)."""
        self.name, self.tag = name, tag
        self.command = BUILD_COMMAND.format(name=name)
        if variable:
            text = (f"the sandbox image {tag} named by {variable} is not on this engine; load it there "
                    f"(deploy/README.md), or unset {variable} and run `{self.command}`")
        else:
            text = (f"the sandbox image {tag} ({name}) is not on this engine, and workers never build "
                    f"images; build it with `{self.command}` (scripts/run, scripts/test and scripts/bench do)")
        super().__init__(text)


class NotGradable(SandboxError):
    """The submission cannot be loaded (wrong file name, broken notebook, unsafe zip). Costs no attempt."""
