"""The sandbox's settings, read from the environment in one place: :meth:`SandboxConfig.from_env`.

Nothing else in the run path reads ``os.environ``: a caller (the platform's settings, a management command,
a test) builds one :class:`SandboxConfig` and passes it to :func:`sandbox.run_job`, :class:`sandbox.WarmPool`,
:func:`sandbox.load_submission` and :func:`sandbox.ensure_images`. Only the image *build* reads two more
variables itself (``GRADIENT_CACHE_DIR``, ``SANDBOX_DEBIAN_MIRROR``: sandbox/images.py), as it runs on
the host from ``python -m sandbox.images build`` and never in a worker's run.

=============================  ======================================  ================================
variable                       field                                   default
=============================  ======================================  ================================
``SANDBOX_WORK_DIR``           ``work_dir`` (absolute path)            ``/tmp/gradient-runs``
``GRADIENT_MAX_UPLOAD_BYTES``  ``max_upload_bytes`` (and               5 MiB
                               ``max_notebook_bytes``)
``SANDBOX_RUNTIME``            ``runtime`` (OCI runtime name)          ``runc``
``SANDBOX_DOCKER_TIMEOUT``     ``docker_timeout_s`` (engine requests)  60
``SANDBOX_IMAGE_PREFIX``       ``image_prefix`` (of the image tags)    ``gradient-sandbox``
``SANDBOX_IMAGE_<NAME>``       ``image_overrides[name]``: a prebuilt   none
                               image used as it is, never built
``SANDBOX_GRADER_SERVER``      ``grader_server``: ``1`` grades runs in  ``1``
                               grader servers (sandbox/grader_server.py),
                               ``0`` in a grader box per run
=============================  ======================================  ================================
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

MIB = 1024 * 1024
DEFAULT_WORK_DIR = Path("/tmp/gradient-runs")  # noqa: S108 - a folder of our own, made 0755 per run
DEFAULT_MAX_UPLOAD_BYTES = 5 * MIB
DEFAULT_DOCKER_TIMEOUT_S = 60
DEFAULT_IMAGE_PREFIX = "gradient-sandbox"
IMAGE_OVERRIDE_PREFIX = "SANDBOX_IMAGE_"
# An OCI runtime as registered with the engine (runc, runsc, nvidia...); an image repository name.
_RUNTIME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_IMAGE_PREFIX = re.compile(r"^[a-z0-9][a-z0-9._/-]{0,99}$")
_IMAGE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$")


@dataclass(frozen=True)
class SandboxConfig:
    """Where and how the sandbox runs. Build it with :meth:`from_env` (or directly, in tests)."""

    work_dir: Path = DEFAULT_WORK_DIR  # per-run folders (sockets, submission, hidden tests), mounted into boxes
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES  # all files of one submission together
    max_notebook_bytes: int = DEFAULT_MAX_UPLOAD_BYTES  # one uploaded .ipynb
    runtime: str = "runc"  # the boxes' OCI runtime; "runsc" for gVisor (sandbox/README.md, "Runtime")
    docker_timeout_s: int = DEFAULT_DOCKER_TIMEOUT_S  # of each request to the Docker engine
    image_prefix: str = DEFAULT_IMAGE_PREFIX  # images are tagged <prefix>-<name>:<hash of inputs>
    # spec name -> a prebuilt image used as it is (e.g. from deploy/sandbox.Dockerfile); never built here.
    image_overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    # A run's grader is a child of a long-lived grader server of its kind, not a box of its own (issue 17).
    grader_server: bool = True

    def __post_init__(self) -> None:
        _check(isinstance(self.work_dir, Path) and self.work_dir.is_absolute(), "SANDBOX_WORK_DIR",
               self.work_dir, "an absolute path")
        for name, value in (("GRADIENT_MAX_UPLOAD_BYTES", self.max_upload_bytes),
                            ("max_notebook_bytes", self.max_notebook_bytes),
                            ("SANDBOX_DOCKER_TIMEOUT", self.docker_timeout_s)):
            _check(type(value) is int and value > 0, name, value, "a positive integer")
        _check(type(self.grader_server) is bool, "SANDBOX_GRADER_SERVER", self.grader_server, "0 or 1")
        _check(isinstance(self.runtime, str) and bool(_RUNTIME.match(self.runtime)), "SANDBOX_RUNTIME",
               self.runtime, "the name of an OCI runtime registered with the engine, such as runc or runsc")
        _check(isinstance(self.image_prefix, str) and bool(_IMAGE_PREFIX.match(self.image_prefix)),
               "SANDBOX_IMAGE_PREFIX", self.image_prefix, "a lower-case image repository name")
        for spec, ref in self.image_overrides.items():
            _check(isinstance(ref, str) and bool(_IMAGE_REF.match(ref)), IMAGE_OVERRIDE_PREFIX + spec.upper(),
                   ref, "an image reference such as registry/name:tag")
        # Frozen all the way down: a mapping nobody can change after the check.
        object.__setattr__(self, "image_overrides", MappingProxyType(dict(self.image_overrides)))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> SandboxConfig:
        """The configuration the environment gives; a bad value raises ValueError naming its variable."""

        def text(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None  # set but empty: the default, as for an unset variable

        def integer(name: str, default: int) -> int:
            raw = text(name)
            if raw is None:
                return default
            digits = raw.replace("_", "")
            _check(digits.isascii() and digits.isdigit() and int(digits) > 0, name, raw, "a positive whole number")
            return int(digits)

        upload = integer("GRADIENT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)
        server = text("SANDBOX_GRADER_SERVER") or "1"
        _check(server in ("0", "1"), "SANDBOX_GRADER_SERVER", server, "0 or 1")
        overrides = {
            key[len(IMAGE_OVERRIDE_PREFIX):].lower(): value.strip()
            for key, value in environ.items()
            if key.startswith(IMAGE_OVERRIDE_PREFIX) and key != "SANDBOX_IMAGE_PREFIX" and value.strip()
        }
        return cls(
            work_dir=Path(text("SANDBOX_WORK_DIR") or DEFAULT_WORK_DIR),
            max_upload_bytes=upload,
            max_notebook_bytes=upload,
            runtime=text("SANDBOX_RUNTIME") or "runc",
            docker_timeout_s=integer("SANDBOX_DOCKER_TIMEOUT", DEFAULT_DOCKER_TIMEOUT_S),
            image_prefix=text("SANDBOX_IMAGE_PREFIX") or DEFAULT_IMAGE_PREFIX,
            image_overrides=overrides,
            grader_server=server == "1",
        )


def _check(ok: bool, variable: str, value: object, expected: str) -> None:
    if not ok:
        raise ValueError(f"{variable} must be {expected}, not {str(value)[:200]!r}")
