"""The site served as in production: gunicorn with several worker processes (gthread, as deploy/compose.yaml
runs it) on 127.0.0.1, on the test database pytest-django made, with Redis as the shared cache. Tests that
start one use transactional databases (django_db(transaction=True)): gunicorn sees committed rows only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.paths import ARTIFACTS, ROOT
from tests.support.processes import free_port, group_alive, wait_for
from tests.support.workers import worker_database_url

REDIS_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
ACCESS_LOG_FORMAT = "%(p)s %(m)s %(U)s %(s)s"  # pid, method, path, status: which process answered what


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    access_log: Path
    cache_prefix: str

    def served_by(self, path_prefix: str) -> dict[str, list[int]]:
        """pid -> statuses of the requests whose path starts with ``path_prefix`` (from the access log)."""
        by_pid: dict[str, list[int]] = {}
        for line in self.access_log.read_text().splitlines():
            pid, _method, path, status = line.split(" ")
            if path.startswith(path_prefix):
                by_pid.setdefault(pid, []).append(int(status))
        return by_pid

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn's quick shutdown: nothing here to finish
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        wait_for(lambda: not group_alive(self.process.pid), 10, "gunicorn's processes to exit")


def gunicorn_env(name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
        "DEBUG": "false",
        "CACHE_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"test-{name}-{uuid.uuid4().hex}",  # counts of this server only
        "GRADING_QUEUE_PREFIX": f"test-{name}-",  # runs wait in queues no worker of the suite takes
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra or {})
    return env


def start_gunicorn(name: str, *, workers: int = 3, threads: int = 4, env: dict[str, str] | None = None,
                   timeout: float = 60) -> Gunicorn:
    ARTIFACTS.mkdir(exist_ok=True)
    log, access_log = ARTIFACTS / f"{name}-gunicorn.log", ARTIFACTS / f"{name}-gunicorn-access.log"
    access_log.write_text("")
    port = free_port(18100, 18900)
    full_env = gunicorn_env(name, env)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
             "--access-logfile", str(access_log), "--access-logformat", ACCESS_LOG_FORMAT,
             "--log-level", "warning", "--timeout", "60"],
            cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Gunicorn(process, f"http://127.0.0.1:{port}", log, access_log, full_env["CACHE_KEY_PREFIX"])

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            return requests.get(f"{server.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(up, timeout, "gunicorn to answer /healthz", interval=0.2)
    except BaseException:
        server.stop()
        raise
    return server


def signed_in_session(url: str, username: str, password: str) -> requests.Session:
    """A browser-like session signed in through the sign-in page (its CSRF cookie and session cookie)."""
    session = requests.Session()
    session.get(f"{url}/login/", timeout=10).raise_for_status()
    response = session.post(
        f"{url}/login/", timeout=10, allow_redirects=False,
        data={"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
    )
    assert response.status_code == 302, (response.status_code, response.text[:500])
    return session
