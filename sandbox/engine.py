"""The Docker engine connection, with a clear message (not a hang) where there is none."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

from sandbox.config import DEFAULT_DOCKER_TIMEOUT_S
from sandbox.errors import SandboxUnavailable

NO_ENGINE = (
    "No Docker engine is reachable ({reason}). Submissions run in Docker containers, so nothing can be "
    "graded here. Start one with `scripts/ensure-docker` (installs Debian's docker.io and starts dockerd) "
    "or point DOCKER_HOST at an engine."
)


@functools.cache
def docker_client(timeout_s: int = DEFAULT_DOCKER_TIMEOUT_S) -> Any:
    """A client of the engine that DOCKER_HOST names (the docker SDK's own setting), one per request timeout
    (``SandboxConfig.docker_timeout_s``)."""
    import docker
    import docker.errors
    import requests.exceptions

    try:
        client = docker.from_env(timeout=timeout_s)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        docker_client.cache_clear()
        raise SandboxUnavailable(NO_ENGINE.format(reason=str(exc).splitlines()[0][:200])) from exc
    return client


_pinging: dict[float, Any] = {}  # timeout -> the client engine_answers keeps between calls


def engine_answers(timeout_s: float = 3.0) -> bool:
    """Whether the engine DOCKER_HOST names answers a ping now (never raises): a worker asks before it takes a
    run, so that a host whose engine is away leaves its runs to the others. The client is kept between calls,
    so a call costs the engine one request (a fresh client first asks for /version); a client whose ping
    fails is dropped, and the next call connects afresh."""
    import docker

    try:
        client = _pinging.get(timeout_s)
        if client is None:
            client = _pinging[timeout_s] = docker.from_env(timeout=timeout_s)
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - any failure to reach it means "no"
        dropped = _pinging.pop(timeout_s, None)
        if dropped is not None:
            with contextlib.suppress(Exception):
                dropped.close()
        return False


def killed_since(client: Any, container_id: str, since_wall: float) -> bool:
    """Whether the engine logged a "kill" of this container since ``since_wall`` (a time.time()): someone
    stopped it (`docker kill`, `docker stop`, `docker rm -f`, an engine shutdown). True as well when the
    engine does not answer: it is going away, which is no box's doing either."""
    import time

    try:
        # `until` a moment ahead: the engine logs the event just after the signal, so it may trail an EOF.
        events = client.api.events(
            since=since_wall - 1, until=time.time() + 0.3, decode=True,
            filters={"container": container_id, "event": "kill"},
        )
        try:
            return any(True for _ in events)
        finally:
            events.close()
    except Exception:  # noqa: BLE001 - the engine itself is going away
        return True


def create_container(client: Any, image: str, command: list[str], **options: Any) -> Any:
    """``client.containers.create(image, command, **options)`` less the inspection the SDK makes after it: a
    run's boxes are made from options we wrote, so the returned model holds only the id and the name (call
    ``reload()`` for the rest). One engine request fewer per box."""
    from docker.models.containers import _create_container_args  # the SDK's own translation of the options

    arguments = _create_container_args({
        **options, "image": image, "command": command, "version": client.api._version,
    })
    created = client.api.create_container(**arguments)
    return client.containers.prepare_model({"Id": created["Id"], "Name": "/" + str(options.get("name") or "")})


def attach_output(container: Any) -> Any:
    """``container.attach(stdout=True, stderr=True, stream=True, logs=False)`` less the inspection the SDK makes
    first to learn whether the box has a terminal: a box is never given one (sandbox.boxes sets no ``tty``),
    so its stream is the engine's framed stdout and stderr. One engine request fewer per box."""
    from docker.types import CancellableStream

    api = container.client.api
    response = api._post(
        api._url("/containers/{0}/attach", container.id),
        headers={"Connection": "Upgrade", "Upgrade": "tcp"},
        params={"logs": 0, "stdout": 1, "stderr": 1, "stream": 1},
        stream=True,
    )
    return CancellableStream(api._read_from_socket(response, stream=True, tty=False), response)
