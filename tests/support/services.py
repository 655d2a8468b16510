"""PRIVATE PostgreSQL and Redis instances, for the fault tests that restart a service.

Other test sessions use the machine's PostgreSQL (127.0.0.1:5432) and Redis (6379) at the same time, so a
test that restarts the database or the broker restarts one of these instead:

- ``PrivatePostgres``: a cluster made with ``initdb`` in a temporary folder (trust authentication, a free
  port 127.0.0.1:55xx) holding one empty database;
- ``PrivateRedis``: a ``redis-server`` on a free port with an append-only file, as in deploy/compose.yaml.

Where the tools are missing, making one skips the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.paths import ARTIFACTS
from tests.support.processes import free_port, wait_for


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
        self.port = free_port(5500, 5600)
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
        self.port = free_port(6500, 6600)
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
