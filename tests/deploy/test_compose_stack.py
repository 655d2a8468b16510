"""The production stack, built without a registry and used: deploy/build-offline makes every image (bases from
debootstrap, the app's packages from a wheelhouse), Debian's docker-compose runs deploy/compose.yaml on them,
and the test does what an operator and a student do: waits for health, creates a user and loads the
exercises with the documented commands, submits through the API, sees the result committed, and brings the
stack down with nothing left behind.

It uses the machine's Docker engine under its own compose project name, port and runs folder, and touches
no other project's containers. The first build takes several minutes (three debootstraps); later runs reuse
the bases.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.support.paths import ARTIFACTS, ROOT
from tests.support.solutions import FULL_MARKS, REFERENCE, WORD_FREQ

pytestmark = [pytest.mark.docker, pytest.mark.compose]

PROJECT = "gradient-compose-test"
RUNS_DIR = Path("/tmp/gradient-compose-runs")
COMPOSE = shutil.which("docker-compose")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Stack:
    """deploy/compose.yaml, copied beside its own .env into a temporary folder (the operator's deploy/.env is
    never touched), run under a project name of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        shutil.copy(ROOT / "deploy" / "compose.yaml", folder / "compose.yaml")
        env = {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "DATABASE_URL": f"postgres://gradient:{self.password}@postgres:5432/gradient",
            "POSTGRES_PASSWORD": self.password,
            "CELERY_BROKER_URL": "redis://redis:6379/0",
            "CACHE_URL": "redis://redis:6379/1",
            "HTTPS": "false",
            "TRUST_X_FORWARDED_PROTO": "false",
            "SANDBOX_WORK_DIR": str(RUNS_DIR),
            "SANDBOX_RUNTIME": "runc",
            "WEB_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "1",
            "METRICS_TOKEN": "compose-metrics",
        }
        offline = (ROOT / "deploy" / "offline.env").read_text()
        images = dict(line.split("=", 1) for line in offline.splitlines() if line and not line.startswith("#"))
        (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in {**env, **images}.items()))
        (folder / ".env").chmod(0o600)

    def compose(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(COMPOSE), "-p", PROJECT, "--env-file", str(self.folder / ".env"), "-f",
             str(self.folder / "compose.yaml"), *args],
            cwd=self.folder, capture_output=True, text=True, timeout=timeout, check=False, env=self.environment(),
        )
        if check:
            assert done.returncode == 0, f"docker-compose {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    @staticmethod
    def environment() -> dict[str, str]:
        """Only what docker-compose itself needs: compose fills ${...} in compose.yaml from the shell's
        variables before the env file's, and this test process has its own SANDBOX_WORK_DIR, DATABASE_URL...
        (the runs folder would then be mounted from the wrong place)."""
        keep = ("PATH", "HOME", "DOCKER_HOST", "TMPDIR")
        return {k: os.environ[k] for k in keep if k in os.environ}

    def exec(self, service: str, *command: str, env: dict[str, str] | None = None) -> str:
        flags = [f"-e{k}={v}" for k, v in (env or {}).items()]
        return self.compose("exec", "-T", *flags, service, *command).stdout

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url(path), data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def states(self) -> dict[str, str]:
        client = docker.from_env()
        return {
            c.labels.get("com.docker.compose.service", c.name): (
                c.attrs["State"].get("Health", {}).get("Status") or c.status
            ) + (f":{c.attrs['State']['ExitCode']}" if c.status == "exited" else "")
            for c in client.containers.list(all=True, filters={"label": f"com.docker.compose.project={PROJECT}"})
        }

    def leftovers(self) -> dict[str, list[str]]:
        client = docker.from_env()
        label = {"label": f"com.docker.compose.project={PROJECT}"}
        return {
            "containers": [c.name for c in client.containers.list(all=True, filters=label)],
            "volumes": [v.name for v in client.volumes.list(filters=label)],
            "networks": [n.name for n in client.networks.list(filters=label)],
        }


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    if COMPOSE is None:
        pytest.skip("docker-compose is not installed (scripts/test installs Debian's)")
    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    build = subprocess.run([str(ROOT / "deploy" / "build-offline")], capture_output=True, text=True, timeout=2400,
                           check=False)
    (ARTIFACTS / "build-offline.log").write_text(build.stdout + build.stderr)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    print(f"deploy/build-offline: {time.monotonic() - started:.0f} s")
    made = Stack(tmp_path_factory.mktemp("compose"))
    made.compose("down", "-v", "--remove-orphans", check=False)  # what an interrupted earlier run left
    try:
        yield made
    finally:
        logs = made.compose("logs", "--no-color", check=False)
        (ARTIFACTS / "compose-stack.log").write_text(logs.stdout + logs.stderr)
        made.compose("down", "-v", "--remove-orphans", timeout=300, check=False)
        shutil.rmtree(RUNS_DIR, ignore_errors=True)


def test_the_stack_built_offline_grades_a_submission_and_leaves_nothing_behind(stack: Stack) -> None:
    started = time.monotonic()
    stack.compose("up", "-d", "--no-build", timeout=600)
    deadline = time.monotonic() + 300
    while True:
        states = stack.states()
        if states.get("web") == "healthy" and states.get("migrate") == "exited:0" and all(
            states.get(s) in ("running", "healthy") for s in ("worker", "short-worker", "beat")
        ) and states.get("postgres") == "healthy" and states.get("redis") == "healthy":
            break
        assert time.monotonic() < deadline, f"the stack did not become healthy: {states}"
        migrate = states.get("migrate", "")
        assert not (migrate.startswith("exited") and migrate != "exited:0"), f"migrate failed: {states}"
        time.sleep(2)
    print(f"stack healthy after {time.monotonic() - started:.0f} s: {states}")

    # Who holds what: web is not root and has no engine socket; the workers have it.
    assert stack.exec("web", "id", "-u").strip() == "10001"
    assert stack.compose("exec", "-T", "web", "test", "-e", "/var/run/docker.sock", check=False).returncode != 0
    assert stack.compose("exec", "-T", "worker", "test", "-S", "/var/run/docker.sock", check=False).returncode == 0
    # Secrets come from the env file, not the image.
    assert stack.exec("web", "sh", "-c", 'test -n "$SECRET_KEY" && echo set').strip() == "set"

    # The operator's documented commands: load the exercises, create an account.
    synced = stack.exec("web", "python", "manage.py", "sync_exercises")
    assert WORD_FREQ in synced or "exercises" in synced.lower(), synced[-2000:]
    stack.exec("web", "python", "manage.py", "createsuperuser", "--noinput", "--username", "ops",
               "--email", "ops@example.org", env={"DJANGO_SUPERUSER_PASSWORD": stack.password})

    # A submission through the API, as the command-line client makes it.
    status, body = stack.request(
        "/api/v1/token/", data=f"username=ops&password={stack.password}&name=compose-test".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200, body[:500]
    auth = {"Authorization": f"Token {json.loads(body)['token']}"}
    boundary = "gradient-compose-test"
    form = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"exercise\"\r\n\r\n{WORD_FREQ}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"solution.py\"\r\n"
        f"Content-Type: text/x-python\r\n\r\n{REFERENCE}\r\n--{boundary}--\r\n"
    ).encode()
    status, body = stack.request("/api/v1/submissions/", data=form,
                                 headers={**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 201, body[:1000]
    submission = json.loads(body)["id"]
    deadline = time.monotonic() + 300
    while True:
        status, body = stack.request(f"/api/v1/submissions/{submission}/", headers=auth)
        detail = json.loads(body)
        if detail["run"]["status"] not in ("queued", "running"):
            break
        assert time.monotonic() < deadline, f"no result in 300 s: {detail}"
        time.sleep(1)
    assert detail["run"]["status"] == "graded" and detail["score"] == FULL_MARKS, detail
    # Committed in PostgreSQL: the database itself says so, and /metrics counts it.
    committed = stack.exec("postgres", "psql", "-U", "gradient", "-d", "gradient", "-tAc",
                           f"select status, score from grading_gradingrun where submission_id = {submission}")
    assert committed.strip().startswith("graded|10"), committed
    status, body = stack.request("/metrics", headers={"Authorization": "Bearer compose-metrics"})
    assert status == 200 and b'gradient_runs_finished_total{queue="cpu",status="graded"} 1.0' in body

    # Down, with its volumes: nothing of the project is left on the engine, and no sandbox box either.
    stack.compose("down", "-v", "--remove-orphans", timeout=300)
    assert stack.leftovers() == {"containers": [], "volumes": [], "networks": []}
    boxes = [c.name for c in docker.from_env().containers.list(all=True) if f"run-{detail['run']['id']}-" in c.name]
    assert boxes == []
    print(f"compose test: {time.monotonic() - started:.0f} s after the build")
