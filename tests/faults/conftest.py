"""Fixtures of the fault tests: workers that are always reaped, the checks every fault test ends with, and
PRIVATE PostgreSQL, Redis and Docker engines for the faults that restart a service.

Why private services: other test sessions use the machine's PostgreSQL (127.0.0.1:5432), Redis (6379) and
Docker engine (/var/run/docker.sock) at the same time as this one. Restarting any of those would break their
runs, so the broker, database and engine restarts happen to instances that only these tests know about
(tests/support/services.py, tests/support/docker_engine.py), with Gradient on them migrated and synced
(tests/support/stack.py). The workers and their reaping are in tests/support/workers.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import docker
import docker.errors
import pytest

from tests.support.docker_engine import EngineUnavailable, PrivateDocker, SharedEngine
from tests.support.services import PrivatePostgres, PrivateRedis
from tests.support.stack import PrivateStack
from tests.support.workers import WorkerGroup


@pytest.fixture
def worker_group(workers) -> Iterator[WorkerGroup]:  # type: ignore[no-untyped-def]
    group = WorkerGroup(workers)
    try:
        yield group
    finally:
        group.reap()


@pytest.fixture
def fault_env(settings, workers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The workers of these tests take only the "faults-cpu" queue, on the shared broker's database
    CELERY_BROKER_URL (use a spare one: redis://127.0.0.1:6379/11), with a short lease."""
    settings.GRADING_QUEUE_PREFIX = "faults-"
    workers.purge("faults-cpu")
    return {"GRADING_QUEUE_PREFIX": "faults-", "GRADING_LEASE_S": "3", "GRADING_RETRY_DELAY_S": "1"}


# --------------------------------------------------------------------------- private services


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def private_docker() -> Iterator[PrivateDocker | SharedEngine]:
    """A private dockerd holding the sandbox image; where none can run, the shared engine (with the reason)."""
    from sandbox import images

    tag = images.image_tag("python")
    try:
        docker.from_env().images.get(tag)
    except docker.errors.ImageNotFound:
        pytest.skip(f"the sandbox image {tag} is not built (python -m sandbox.images build)")
    engine: PrivateDocker | SharedEngine
    try:
        engine = PrivateDocker(tag)
    except EngineUnavailable as exc:
        engine = SharedEngine(f"a private dockerd cannot run here: {exc}")
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="module")
def private_stack(private_postgres, private_redis, private_docker) -> PrivateStack:  # type: ignore[no-untyped-def]
    return PrivateStack(private_postgres, private_redis, private_docker)
