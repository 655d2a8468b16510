"""Errors the sandbox raises to its callers, each with a message fit to show a person."""


class SandboxError(Exception):
    """Base class."""


class SandboxUnavailable(SandboxError):
    """The sandbox cannot run at all here (no Docker engine, image missing and cannot be built)."""


class NotGradable(SandboxError):
    """The submission cannot be loaded (wrong file name, broken notebook, unsafe zip). Costs no attempt."""
