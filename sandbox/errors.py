"""Errors the sandbox raises to its callers, each with a message fit to show a person.

``retryable`` says whether another delivery of the same run may succeed where this one failed: a caller that
turns the error into an outcome passes it on (``Outcome.infrastructure(str(exc), retryable=exc.retryable)``).
"""

from __future__ import annotations

import shlex

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
        self.command = BUILD_COMMAND.format(name=shlex.quote(name))
        if variable:
            text = (f"the sandbox image {tag} named by {variable} is not on this engine; load it there "
                    f"(deploy/README.md), or unset {variable} and run `{self.command}`")
        elif "[" in name:  # a derived image: a base image plus an exercise's requirements
            text = (f"the sandbox image {tag} ({name}) is not on this engine, and workers never build "
                    f"images; build it with `{self.command}`, or every exercise's images with "
                    "`python manage.py build_images` (scripts/run and scripts/test do)")
        else:
            text = (f"the sandbox image {tag} ({name}) is not on this engine, and workers never build "
                    f"images; build it with `{self.command}` (scripts/run, scripts/test and scripts/bench do)")
        super().__init__(text)


class ImageRefused(SandboxUnavailable):
    """An image that will not be built as asked (sandbox/images.py): a requirement with no wheel for the image's
    Python (a source distribution is never built: that runs its code on the build host), requirements that
    need other versions of the base image's packages, a malformed image name. Another try cannot help."""

    retryable = False


class NotGradable(SandboxError):
    """The submission cannot be loaded (wrong file name, broken notebook, unsafe zip). Costs no attempt."""
