"""The Docker engine connection, with a clear message (not a hang) where there is none."""

from __future__ import annotations

import functools
import os

from sandbox.errors import SandboxUnavailable

NO_ENGINE = (
    "No Docker engine is reachable ({reason}). Submissions run in Docker containers, so nothing can be "
    "graded here. Start one with `scripts/ensure-docker` (installs Debian's docker.io and starts dockerd) "
    "or point DOCKER_HOST at an engine."
)


@functools.cache
def docker_client():  # type: ignore[no-untyped-def]
    import docker
    import docker.errors
    import requests.exceptions

    try:
        client = docker.from_env(timeout=int(os.environ.get("SANDBOX_DOCKER_TIMEOUT", "60")))
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        docker_client.cache_clear()
        raise SandboxUnavailable(NO_ENGINE.format(reason=str(exc).splitlines()[0][:200])) from exc
    return client


def runtime() -> str:
    """The OCI runtime of the boxes: runc by default; runsc (gVisor) where registered with the engine."""
    return os.environ.get("SANDBOX_RUNTIME", "runc")
