"""Running trusted code (an author's reference solution and public tests) in an exercise's image, as a student
would run the public tests at home: the host has none of the images' packages (torch, scikit-learn...), so
only the image can say whether the public tests pass on the reference in the environment they are for.

Not for untrusted code: these containers have no network but are otherwise plain (the reference solution is
the author's own). Student code runs only in the boxes of sandbox.boxes.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sandbox.config import SandboxConfig
from sandbox.engine import docker_client
from sandbox.images import ensure_image

WORK = "/tmp/work"  # noqa: S108 - a folder inside the container, not on the host
OUTPUT_CHARS = 20_000


@dataclass(frozen=True)
class TrustedRun:
    exit_code: int | None  # None: killed at the time limit
    output: str  # stdout and stderr together, the last OUTPUT_CHARS characters


def _archive(files: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content in sorted(files.items()):
            info = tarfile.TarInfo(f"work/{name}")
            info.size, info.mode, info.mtime = len(content), 0o644, 0
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def run_trusted(
    image: str, files: Mapping[str, bytes], command: Sequence[str], *, config: SandboxConfig, timeout_s: int = 300
) -> TrustedRun:
    """Run ``command`` in ``image`` (an exercise's image name: ``python``, ``ml``, ``python[tqdm==4.67.1]``;
    built before, as check_exercises does) with ``files`` in its working folder, without network; the
    container is removed whatever happens."""
    client = docker_client()
    tag = ensure_image(image, config=config)
    container = client.containers.create(
        tag,
        command=list(command),
        working_dir=WORK,
        network_mode="none",
        user="65534:65534",
        environment={
            "HOME": posixpath.dirname(WORK), "OMP_NUM_THREADS": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1",
        },
        mem_limit="2g",
        pids_limit=256,
    )
    try:
        container.put_archive(posixpath.dirname(WORK), _archive(files))
        container.start()
        deadline = time.monotonic() + timeout_s
        exit_code: int | None = None
        while time.monotonic() < deadline:
            container.reload()
            if container.status == "exited":
                exit_code = int(container.attrs.get("State", {}).get("ExitCode", 1))
                break
            time.sleep(0.2)
        else:
            container.kill()
        output = container.logs(stdout=True, stderr=True).decode("utf-8", errors="replace")
        return TrustedRun(exit_code=exit_code, output=output[-OUTPUT_CHARS:])
    finally:
        container.remove(force=True)
