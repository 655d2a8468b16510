"""What a box is: the container settings of the student box and the grader box, from a job's limits.

Every isolation promise of ARCHITECTURE.md that the engine enforces is written down here, in one place:
no network, read-only root, tmpfs scratch, an unprivileged uid, no capabilities, no-new-privileges, an init
process, memory without extra swap, pids, CPU quota, ulimits, a log-size cap, and only the box's own
folder mounted, read-only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from docker.types import DeviceRequest, LogConfig, Ulimit

from sandbox.engine import runtime
from sandbox.spec import GradingJob, Limits

STUDENT_UID = "65534:65534"
GRADER_UID = "65532:65532"
GRADER_MEMORY_MB = 1024
RUNNERS = "/opt/gradient"
GRADER_TESTS = "/box/in/tests"


def container_name(run_name: str, role: str) -> str:
    return f"gradient-{run_name}-{role}"


def run_containers(client: Any, run_name: str) -> list[Any]:
    """The boxes of a run, found by name: a box from the warm pool is renamed after the run it serves."""
    prefix = container_name(run_name, "")
    found = client.containers.list(all=True, filters={"name": prefix}, ignore_removed=True)
    return [c for c in found if c.name.startswith(prefix)]  # the engine's name filter matches substrings


def pair_key(job: GradingJob, tag: str) -> str:
    """Two jobs with the same key can use the same kind of box pair: same image, limits, devices, preloads.
    (Names and folders differ per pair and are left out.)"""
    parts = []
    for make in (student_box, grader_box):
        command, options = make(job, name="", inbox=Path("/"))
        options = {k: v for k, v in options.items() if k not in ("name", "volumes")}
        parts.append([command, options])
    text = json.dumps([tag, parts], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _common(limits: Limits, role: str) -> dict[str, Any]:
    return {
        "network_mode": "none",
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "init": True,
        "runtime": runtime(),
        "working_dir": "/work",
        "hostname": "sandbox",
        "log_config": LogConfig(type="json-file", config={"max-size": f"{limits.output_kb}k", "max-file": "1"}),
        "labels": {"gradient.box": role},
    }


def student_box(job: GradingJob, *, name: str, inbox: Path) -> tuple[list[str], dict[str, Any]]:
    """(command, create options) of a student box that mounts ``inbox`` (the submission and its socket)."""
    limits = job.limits
    megabytes = limits.memory_mb
    file_bytes = limits.fsize_mb * 1024 * 1024
    options = _common(limits, "student")
    options.update(
        name=name,
        user=STUDENT_UID,
        mem_limit=f"{megabytes}m",
        memswap_limit=f"{megabytes}m",  # = memory: no extra swap
        pids_limit=limits.pids,
        nano_cpus=int(limits.cpus * 1e9),
        shm_size=f"{limits.tmpfs_mb}m",
        tmpfs={
            "/tmp": f"rw,nosuid,nodev,size={limits.tmpfs_mb}m,mode=1777",
            "/work": f"rw,nosuid,nodev,size={limits.tmpfs_mb}m,uid=65534,gid=65534,mode=0700",
        },
        ulimits=[
            Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
            Ulimit(name="fsize", soft=file_bytes, hard=file_bytes),
            Ulimit(name="cpu", soft=limits.cpu_s, hard=limits.cpu_s),
        ],
        volumes={str(inbox): {"bind": "/box/in", "mode": "ro"}},
        environment={
            "HOME": "/tmp",
            "PYTHONHASHSEED": "0",
            "OMP_NUM_THREADS": "1",
            # Model libraries must never try the network (there is none): load what packages ship.
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HOME": "/tmp/hf",
            "MPLBACKEND": "Agg",
        },
    )
    if job.gpu:
        options["device_requests"] = [DeviceRequest(count=-1, capabilities=[["gpu"]])]
    # -u: the box is killed at the end, so buffered prints would be lost (-I ignores PYTHONUNBUFFERED).
    # The module to load comes later, with "go" (see sandbox.box_pair); the preloads are imported before.
    command = ["python3", "-I", "-B", "-u", f"{RUNNERS}/student_runner.py", "/box/in/chan.sock", *job.preload]
    return command, options


def grader_box(job: GradingJob, *, name: str, inbox: Path) -> tuple[list[str], dict[str, Any]]:
    """(command, create options) of the grader box that mounts ``inbox`` (the hidden tests and its socket)."""
    options = _common(job.limits, "grader")
    options.update(
        name=name,
        user=GRADER_UID,
        mem_limit=f"{GRADER_MEMORY_MB}m",
        memswap_limit=f"{GRADER_MEMORY_MB}m",
        pids_limit=128,
        tmpfs={"/tmp": "rw,nosuid,nodev,size=64m,mode=1777"},
        volumes={str(inbox): {"bind": "/box/in", "mode": "ro"}},
        environment={
            "HOME": "/tmp",
            "PYTHONHASHSEED": "0",
            "GRADIENT_CALL_TIMEOUT": str(job.limits.call_timeout_s),
        },
    )
    command = ["python3", "-I", "-B", f"{RUNNERS}/grader_runner.py", "/box/in/chan.sock", *job.preload]
    return command, options
