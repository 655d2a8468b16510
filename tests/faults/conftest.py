"""Fixtures of the fault tests: workers that are always reaped, the checks every fault test ends with, and
PRIVATE PostgreSQL, Redis and Docker engines for the faults that restart a service.

Why private services: other test sessions use the machine's PostgreSQL (127.0.0.1:5432), Redis (6379) and
Docker engine (/var/run/docker.sock) at the same time as this one. Restarting any of those would break their
runs, so the broker, database and engine restarts happen to instances that only these tests know about:

- a PostgreSQL cluster made with ``initdb`` in a temporary folder (trust authentication, a free port
  127.0.0.1:55xx), migrated with ``manage.py migrate``;
- a ``redis-server`` on a free port with an append-only file, as in deploy/compose.yaml;
- a ``dockerd`` with its own data root, exec root, pid file and socket (no bridge, no iptables: the sandboxes
  have no network anyway), holding a copy of the sandbox image (``docker save | docker load``).

The test process's Django stays on the shared test database (pytest-django set it up), so everything on the
private database goes through a short-lived Python subprocess configured by environment variables, exactly
as the worker is (``PrivateStack.django``), and the checks read rows with plain SQL (``PrivateStack.sql``),
which also reconnects by itself after the database restarted.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from sandbox.boxes import run_containers
from sandbox.docker_backend import work_root

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
WORD_FREQ = "python-foundations/word-frequencies"
REFERENCE = (ROOT / "graders" / WORD_FREQ / "reference" / "solution.py").read_text()
# Correct, but slow enough (about 1.8 s in its first call; the call limit is 2 s) for a fault to land mid-run.
SLOW_REFERENCE = (
    REFERENCE + "\n\nimport time as _t\n_first = [True]\n_orig = count_words\n\n\ndef count_words(text):\n"
    "    if _first[0]:\n        _first[0] = False\n        _t.sleep(1.8)\n    return _orig(text)\n"
)
FULL_MARKS = 10.0
DECLARED_TESTS = 7


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll until ``predicate()`` is truthy (returning it), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_port(start: int, end: int) -> int:
    for port in range(start, end):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {start}-{end}")


# --------------------------------------------------------------------------- workers that are always reaped


class WorkerGroup:
    """Starts real Celery workers (tests/conftest.py) and makes sure that none outlives its test: each runs in
    its own process group, and teardown kills whatever of a group is still there."""

    def __init__(self, control: Any) -> None:
        self.control = control
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, env: dict[str, str], *, concurrency: int = 1, queues: str = "faults-cpu"):  # type: ignore[no-untyped-def]
        worker = self.control.start(name, queues=queues, concurrency=concurrency, env=env)
        self.started.append(worker)
        return worker

    @staticmethod
    def log(name: str) -> str:
        return (ARTIFACTS / f"{name}-worker.log").read_text(errors="replace")

    def stop(self, worker: subprocess.Popen[bytes], timeout: float = 60) -> None:
        """A graceful stop (SIGTERM, warm shutdown), then the whole group must be gone."""
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill(worker)
                raise AssertionError(f"worker {worker.pid} did not stop within {timeout:g} s of SIGTERM") from None
        wait_for(lambda: not group_alive(worker.pid), 15, f"worker {worker.pid}'s pool processes to exit")

    @staticmethod
    def kill(worker: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGCONT)  # a stopped (SIGSTOP) group must be able to die
            os.killpg(worker.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=10)

    def assert_all_stopped(self) -> None:
        running = [w.pid for w in self.started if w.poll() is None or group_alive(w.pid)]
        assert running == [], f"worker process groups still running: {running}"

    def reap(self) -> None:
        for worker in self.started:
            if worker.poll() is None or group_alive(worker.pid):
                self.kill(worker)


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


def _as_postgres_user(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class PrivatePostgres:
    def __init__(self) -> None:
        for tool in ("initdb", "pg_ctl"):
            if shutil.which(tool) is None:
                pytest.skip(f"{tool} is not on PATH: no private PostgreSQL can be made")
        self.dir = Path(tempfile.mkdtemp(prefix="gradient-faults-pg-"))
        self.dir.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = _free_port(5500, 5600)
        self.data = self.dir / "data"
        self.log = ARTIFACTS / "faults-private-postgres.log"
        self.name = "gradient_private"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/{self.name}"
        result = subprocess.run(
            _as_postgres_user(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                               "--no-sync"]),
            capture_output=True, text=True, timeout=120, check=False,
        )
        if result.returncode != 0:
            pytest.skip(f"initdb failed here: {result.stderr[-500:]}")
        ARTIFACTS.mkdir(exist_ok=True)
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.log, "postgres", "postgres")
        self.start()
        with self.connect("postgres") as conn:
            conn.execute(f"CREATE DATABASE {self.name}")

    def connect(self, dbname: str | None = None):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname or self.name, autocommit=True,
            connect_timeout=5,
        )

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres_user(["pg_ctl", "-D", str(self.data), "-w", "-t", "60", *args]),
                       check=True, capture_output=True, timeout=90)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=50"
        self._pg_ctl("-l", str(self.log), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not on PATH: no private broker can be made")
        self.dir = Path(tempfile.mkdtemp(prefix="gradient-faults-redis-"))
        self.port = _free_port(6500, 6600)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = ARTIFACTS / "faults-private-redis.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with self.log.open("ab") as log:
            # Append-only, as in deploy/compose.yaml: queued tasks survive a restart.
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                 "--appendonly", "yes", "--save", "", "--protected-mode", "no"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for(self.ping, 20, "the private redis-server to answer")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self, *, lose_data: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SHUTDOWN: flushes the append-only file
            self.process.wait(timeout=30)
        if lose_data:  # a broker without persistence, or whose disk was lost: every queued task is gone
            for path in self.dir.iterdir():
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class EngineUnavailable(Exception):
    """No private dockerd can run here (the reason is the message)."""


class SharedEngine:
    """Stands in for the private engine where none can run: the faults that do not restart the engine then
    use the machine's engine (they never stop it)."""

    private = False

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        self.client = docker.from_env()

    def close(self) -> None:
        pass


class PrivateDocker:
    private = True
    reason = ""

    def __init__(self, image_tag: str) -> None:
        if shutil.which("dockerd") is None:
            raise EngineUnavailable("dockerd is not on PATH")
        self.dir = Path(tempfile.mkdtemp(prefix="gradient-faults-docker-"))
        self.socket = self.dir / "docker.sock"
        self.host = f"unix://{self.socket}"
        self.log = ARTIFACTS / "faults-private-dockerd.log"
        self.process: subprocess.Popen[bytes] | None = None
        try:
            self.start()
        except AssertionError as exc:
            self.close()
            tail = self.log.read_text(errors="replace")[-1500:] if self.log.exists() else ""
            raise EngineUnavailable(f"{exc}\n{tail}") from None
        self.client = docker.DockerClient(base_url=self.host, timeout=120)
        save = subprocess.Popen(["docker", "save", image_tag], stdout=subprocess.PIPE)
        load = subprocess.run(["docker", "-H", self.host, "load"], stdin=save.stdout, capture_output=True,
                              timeout=180, check=False)
        assert save.stdout is not None
        save.stdout.close()
        save.wait(timeout=60)
        if load.returncode != 0:
            self.close()
            raise EngineUnavailable(f"could not load {image_tag} into it: {load.stderr.decode()[-500:]}")

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["dockerd", "--data-root", str(self.dir / "data"), "--exec-root", str(self.dir / "exec"),
                 "--pidfile", str(self.dir / "docker.pid"), "-H", self.host, "--bridge=none",
                 "--iptables=false", "--ip-masq=false"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for(self.ping, 60, "the private dockerd to answer")

    def ping(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"dockerd exited with status {self.process.returncode}")
        try:
            return bool(docker.DockerClient(base_url=self.host, timeout=2).ping())
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # as `systemctl stop docker`: stops the containers, then exits
            self.process.wait(timeout=60)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(Exception):
                client = docker.DockerClient(base_url=self.host, timeout=30)
                for container in client.containers.list(all=True):
                    container.remove(force=True)
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateStack:
    """Gradient on the private PostgreSQL, Redis and Docker engine: what a worker needs in its environment,
    Django code run against them in a subprocess, and SQL reads of the results."""

    def __init__(self, postgres: PrivatePostgres, broker: PrivateRedis, engine: PrivateDocker | SharedEngine) -> None:
        self.postgres, self.broker, self.engine = postgres, broker, engine
        self.env = {
            "DATABASE_URL": postgres.url,
            "CELERY_BROKER_URL": broker.url,
            "DOCKER_HOST": engine.host,
            "GRADING_QUEUE_PREFIX": "faults-",
            "GRADING_LEASE_S": "3",
            "GRADING_RETRY_DELAY_S": "1",
        }
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env={**os.environ, **self.env},
            capture_output=True, text=True, timeout=180, check=False,
        )
        assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
        self.django(
            "from catalog.services import exercises_sync\n"
            "from django.contrib.auth import get_user_model\n"
            "exercises_sync()\n"
            "get_user_model().objects.create_user(username='faults', password='pw-faults-12345')\n"
            "result = True\n"
        )

    def django(self, code: str, args: Any = None, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
        """Run ``code`` in a fresh Django process on the private services; it sets ``result`` (JSON-able)."""
        program = (
            "import json, os, sys\n"
            f"sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'platform')!r}]\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
            "import django\n"
            "django.setup()\n"
            "args = json.load(sys.stdin)\n"
            "result = None\n"
            f"{code}\n"
            "print('RESULT=' + json.dumps(result))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", program], cwd=ROOT, env={**os.environ, **self.env, **(env or {})},
            input=json.dumps(args), capture_output=True, text=True, timeout=timeout, check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        line = [x for x in done.stdout.splitlines() if x.startswith("RESULT=")][-1]
        return json.loads(line[len("RESULT="):])

    def submit(self, *sources: str) -> list[int]:
        """Submissions as the student makes them (one transaction, then the task is sent); their run ids."""
        return self.django(
            "from catalog.models import Exercise\n"
            "from django.contrib.auth import get_user_model\n"
            "from grading import services\n"
            "from grading.models import GradingRun\n"
            "student = get_user_model().objects.get(username='faults')\n"
            f"exercise = Exercise.objects.get(slug={WORD_FREQ!r})\n"
            "result = []\n"
            "for source in args:\n"
            "    submission = services.submission_create(\n"
            "        student=student, exercise=exercise, uploads={'solution.py': source.encode()})\n"
            "    result.append(GradingRun.objects.get(submission=submission).pk)\n",
            args=list(sources),
        )

    def sweep(self, **kwargs: Any) -> dict[str, int]:
        """What beat runs every minute."""
        return self.django("from grading import services\nresult = services.runs_sweep(**args)\n", args=kwargs)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.postgres.connect() as conn:
            return conn.execute(query, params).fetchall()  # type: ignore[arg-type]

    def run_row(self, run_id: int) -> dict[str, Any]:
        columns = ("id", "status", "score", "max_score", "deliveries", "messages", "submission_id", "lease_token")
        rows = self.sql(f"SELECT {', '.join(columns)} FROM grading_gradingrun WHERE id = %s", run_id)
        return dict(zip(columns, rows[0], strict=True))

    def status_of(self, run_id: int) -> str | None:
        try:
            return str(self.run_row(run_id)["status"])
        except Exception:  # noqa: BLE001 - the database is restarting
            return None

    def all_final(self, run_ids: list[int]) -> bool:
        statuses = [self.status_of(r) for r in run_ids]
        return all(s not in (None, "queued", "running") for s in statuses)

    def run_name(self, run_id: int) -> str:
        return f"{self.postgres.name}-run{run_id}"  # grading.selectors.run_name_for

    def leftover_containers(self, run_id: int) -> list[str]:
        return [c.name for c in run_containers(self.engine.client, self.run_name(run_id))]

    def assert_graded_once(self, run_id: int, *, deliveries: int | tuple[int, ...] = 1) -> dict[str, Any]:
        """One final result: graded with full marks, exactly one set of test results, the submission's
        score set once, the only run of its submission, and nothing of it left on the engine."""
        row = self.run_row(run_id)
        assert row["status"] == "graded", row
        assert row["score"] == row["max_score"] == FULL_MARKS, row
        allowed = deliveries if isinstance(deliveries, tuple) else (deliveries,)
        assert row["deliveries"] in allowed, row
        assert row["lease_token"] == "", row
        names = [r[0] for r in self.sql("SELECT name FROM grading_testresult WHERE run_id = %s", run_id)]
        assert len(names) == len(set(names)) == DECLARED_TESTS, names
        runs = self.sql("SELECT count(*) FROM grading_gradingrun WHERE submission_id = %s", row["submission_id"])
        assert runs[0][0] == 1
        score = self.sql("SELECT score FROM grading_submission WHERE id = %s", row["submission_id"])
        assert score[0][0] == FULL_MARKS
        # The result is committed before the boxes are removed (so the student sees it sooner): give the
        # worker a moment to finish removing them.
        wait_for(lambda: self.leftover_containers(run_id) == [], 30, "the run's boxes to be removed")
        wait_for(lambda: not (work_root() / self.run_name(run_id)).exists(), 30, "the run's folder to go")
        return row


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
