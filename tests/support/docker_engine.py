"""A PRIVATE Docker engine for the fault tests that restart the engine, or the shared one where none can run.

Other test sessions use the machine's engine (/var/run/docker.sock), so a test that stops the engine stops a
``dockerd`` with its own data root, exec root, pid file and socket (no bridge, no iptables: the sandboxes
have no network anyway), holding a copy of the sandbox image (``docker save | docker load``).

(The module is not named ``docker`` so that it never shadows the Docker SDK.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import docker

from tests.support.paths import ARTIFACTS
from tests.support.processes import wait_for


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

    def __init__(self, image_tag: str, name: str = "faults-private") -> None:
        if shutil.which("dockerd") is None:
            raise EngineUnavailable("dockerd is not on PATH")
        self.dir = Path(tempfile.mkdtemp(prefix=f"gradient-{name}-docker-"))
        self.socket = self.dir / "docker.sock"
        self.host = f"unix://{self.socket}"
        self.log = ARTIFACTS / f"{name}-dockerd.log"
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
