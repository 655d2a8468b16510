"""What a box is: the container settings of the student box and the grader box, from a job's limits.

Every isolation promise of ARCHITECTURE.md that the engine enforces is written down here, in one place:
no network, read-only root, tmpfs scratch, an unprivileged uid, no capabilities, no-new-privileges, an init
process, memory without extra swap, pids, CPU quota, ulimits, a log-size cap, and only the box's own
folder mounted, read-only.

Network namespaces: no box has a network: a namespace with only a loopback interface. On runc and crun the
OCI runtime makes it (``network_disabled``: no libnetwork sandbox and no prestart hook, half of what a box
costs the machine), and /etc/hosts and /etc/resolv.conf are ours (ETC_FILES); gVisor keeps ``--network none``.
Each run has a namespace of its own. With grader servers (the default: sandbox/grader_server.py)
it is the student box's own, which no grader process shares. With a grader box per run
(``SANDBOX_GRADER_SERVER=0``) it is the grader box's, which its student box joins (nothing in the grader
box listens on the loopback; the grader talks to the worker through a Unix socket, a file in its own mount;
every other namespace, processes, mounts, IPC, files, stays each box's own). Nothing else ever joins it, and it ends with the run's boxes, so nothing a submission leaves in the network stack (a
listener, a detached process, TIME_WAIT entries of closed connections whose ports can carry data) can
reach another run. The warm pool starts pairs ahead of time, so making the namespace costs the student no
wait, only CPU (measured with ``scripts/bench``; see the README's benchmark section). Ports below 1024
stay privileged in it (``net.ipv4.ip_unprivileged_port_start``, which Docker lowers to 0 by default).

Under gVisor (``SANDBOX_RUNTIME=runsc``: ``runtime``, from ``SandboxConfig.runtime``) every box keeps a namespace of its own.

Kernel surface: core dumps are off (``core`` 0, soft and hard); system calls pass only through our seccomp
allowlist, ``sandbox/seccomp.json`` (the README's "Kernel surface" says what it holds and how to extend it).
What a box can read about the host (measured, and checked by tests/sandbox/test_kernel_surface.py): the
cgroup paths show "/" (a cgroup namespace of its own, not ``/docker/<id>``), /proc/net/unix shows the
worker's sockets as ``/proc/self/fd/N/chan.sock`` (sandbox.box_pair binds them through a descriptor of the
folder), and /etc/resolv.conf names 127.0.0.1, not the host's name servers. What remains is
/proc/self/mountinfo: it gives the source path of every mount, and no engine option hides it (a masked path
is a bind mount over one file, and /proc/self is a different directory in every process): the overlay's
``/var/lib/docker/overlay2/<layer>`` paths, the box's own folder as mounted at /box/in
(``<SANDBOX_WORK_DIR>/<run name>/student`` for a cold run, ``pool-<host>-<pid>-<n>`` for a warm one), and
``/var/lib/docker/containers/<box id>/`` for /etc/hostname, and ``<SANDBOX_WORK_DIR>/etc/`` for /etc/hosts and
/etc/resolv.conf (the same two files for every box). None of
it is a secret or reachable from a box (no engine socket, no network). gVisor shows no host path at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from docker.types import DeviceRequest, LogConfig, Ulimit

from sandbox.spec import GradingJob, Limits

SECCOMP_FILE = Path(__file__).with_name("seccomp.json")


def _seccomp_text(path: Path) -> str:
    """The profile as the engine takes it (``seccomp=<JSON text>``): compact, with sorted keys, so that the
    same file always gives the same text (``pair_key`` hashes the create options)."""
    profile = json.loads(path.read_text())
    if profile.get("defaultAction") != "SCMP_ACT_ERRNO" or not profile.get("syscalls"):
        raise ValueError(f"{path} must be an allowlist: defaultAction SCMP_ACT_ERRNO and some allowed calls")
    return json.dumps(profile, sort_keys=True, separators=(",", ":"))


# Our own seccomp allowlist (sandbox/README.md, "Kernel surface"): what the runners, Python, numpy, torch,
# scikit-learn and pandas call; every other system call fails with EPERM (clone3 with ENOSYS).
SECCOMP_PROFILE = _seccomp_text(SECCOMP_FILE)
NO_CORE_DUMPS = Ulimit(name="core", soft=0, hard=0)


def _seccomp_options(runtime: str) -> list[str]:
    """Our profile under runc. gVisor answers system calls in its own kernel and, by default, ignores a
    container's profile; with ``--oci-seccomp`` (runsc 20221219) it applies the profile but not its per-call
    errno, so clone3 failed with EPERM instead of ENOSYS and glibc could not start threads. So none there."""
    return [] if runtime == "runsc" else [f"seccomp={SECCOMP_PROFILE}"]

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


def pair_key(job: GradingJob, tag: str, runtime: str) -> str:
    """Two jobs with the same key can use the same kind of box pair: same image, runtime, limits, devices,
    preloads. (Names and folders differ per pair and are left out.)"""
    parts = []
    for command, options in (
        student_box(job, name="", inbox=Path("/"), etc_dir=Path("/"), grader_id="-", runtime=runtime),
        grader_box(job, name="", inbox=Path("/"), etc_dir=Path("/"), runtime=runtime),
    ):
        options = {k: v for k, v in options.items() if k not in ("name", "volumes")}
        parts.append([command, options])
    text = json.dumps([tag, parts], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Runtimes that run a box on the host's kernel, in namespaces the engine sets up from the same OCI spec.
HOST_KERNEL_RUNTIMES = ("runc", "crun")


def shared_network_namespaces(runtime: str) -> bool:
    """Whether boxes may join another box's network namespace: yes under runc and crun; gVisor (runsc) gives
    each box a kernel of its own, so there every box keeps its own ``--network none``."""
    return runtime in HOST_KERNEL_RUNTIMES


# The owner of a run's network namespace sets what it allows: no ports below 1024 without the capability no
# box has (Docker sets 0 here by default).
PRIVILEGED_PORTS = {"net.ipv4.ip_unprivileged_port_start": "1024"}


# The boxes' /etc/hosts and /etc/resolv.conf on runc and crun, where the runtime makes the network namespace
# and the engine mounts neither (its init layer leaves both empty, over whatever the image holds): "localhost"
# resolves as on any machine, and the only name server is one that cannot be there (no network, nothing
# listening), never the host's. Written once per machine into SANDBOX_WORK_DIR/etc (``etc_files``) and
# mounted read-only.
ETC_FILES = {
    "hosts": "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    "resolv.conf": "nameserver 127.0.0.1\n",
}
ETC_FOLDER = "etc"


def etc_files(work_dir: Path) -> Path:
    """``work_dir/etc``, holding ETC_FILES (written, atomically, where missing or different). Called for each
    pair and grader server: a box whose mount source is missing would not start."""
    folder = work_dir / ETC_FOLDER
    for name, text in ETC_FILES.items():
        path = folder / name
        try:
            if path.read_text() == text:
                continue
        except OSError:
            pass
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        scratch = folder / f".{name}-{os.getpid()}-{threading.get_ident()}"
        scratch.write_text(text)
        scratch.chmod(0o644)
        os.replace(scratch, path)
    return folder


def _volumes(inbox: Path, etc_dir: Path, runtime: str) -> dict[str, dict[str, str]]:
    """The box's own folder at /box/in, and (see ETC_FILES) /etc/hosts and /etc/resolv.conf: all read-only."""
    volumes = {str(inbox): {"bind": "/box/in", "mode": "ro"}}
    if runtime in HOST_KERNEL_RUNTIMES:
        volumes.update({str(etc_dir / name): {"bind": f"/etc/{name}", "mode": "ro"} for name in ETC_FILES})
    return volumes


def _join_network(options: dict[str, Any], container_id: str | None, runtime: str) -> None:
    if container_id is not None and shared_network_namespaces(runtime):
        options["network_mode"] = f"container:{container_id}"
        options["network_disabled"] = False  # else the runtime would make it a namespace of its own
        options.pop("hostname")  # the engine refuses one with a shared network namespace: it is the other's
        options.pop("dns")  # likewise (its /etc/resolv.conf is ours on runc and crun: ETC_FILES)
    elif container_id is None and shared_network_namespaces(runtime):
        options["sysctls"] = dict(PRIVILEGED_PORTS)  # the student box owns its run's namespace (a grader server)


def _common(limits: Limits, role: str, runtime: str) -> dict[str, Any]:
    return {
        "network_mode": "none",
        # The OCI runtime makes the box's network namespace (loopback only, and up), not the engine's network
        # stack: no libnetwork sandbox, and no prestart hook that runs a copy of dockerd in each box's start.
        # Half a box's machine CPU (bench/box_cost.py: crun 290 -> 151 ms). /etc/hosts and /etc/resolv.conf
        # are then ours (ETC_FILES). gVisor keeps the engine's "none".
        "network_disabled": runtime in HOST_KERNEL_RUNTIMES,
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges", *_seccomp_options(runtime)],
        "cgroupns": "private",  # /proc/self/cgroup and the cgroup mounts show "/", not the container's id
        "ulimits": [NO_CORE_DUMPS],
        "init": True,
        "runtime": runtime,
        "working_dir": "/work",
        "hostname": "sandbox",
        "dns": ["127.0.0.1"],  # not the host's name servers (there is no network to reach them anyway)
        "log_config": LogConfig(type="json-file", config={"max-size": f"{limits.output_kb}k", "max-file": "1"}),
        "labels": {"gradient.box": role},
    }


def student_box(
    job: GradingJob, *, name: str, inbox: Path, etc_dir: Path, grader_id: str | None, runtime: str
) -> tuple[list[str], dict[str, Any]]:
    """(command, create options) of a student box that mounts ``inbox`` (the submission and its socket).

    It joins the network namespace of its run's grader box (``grader_id``), see "Network namespaces" at the top;
    with ``grader_id=None`` (the run's grader is a grader server's child) it makes the run's namespace itself."""
    limits = job.limits
    megabytes = limits.memory_mb
    file_bytes = limits.fsize_mb * 1024 * 1024
    options = _common(limits, "student", runtime)
    # What the box prints is read from its attach stream (sandbox.output: the first output_kb kept, then no
    # more read), so the engine keeps no log of it: 17 ms of machine CPU per box less (a create-start-remove
    # loop of 20 boxes, twice: 229 and 226 ms against 245 and 245 with the capped json-file log).
    options["log_config"] = LogConfig(type="none")
    _join_network(options, grader_id, runtime)
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
            NO_CORE_DUMPS,
            Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
            Ulimit(name="fsize", soft=file_bytes, hard=file_bytes),
            Ulimit(name="cpu", soft=limits.cpu_s, hard=limits.cpu_s),
        ],
        volumes=_volumes(inbox, etc_dir, runtime),
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


def grader_box(
    job: GradingJob, *, name: str, inbox: Path, etc_dir: Path, runtime: str
) -> tuple[list[str], dict[str, Any]]:
    """(command, create options) of the grader box that mounts ``inbox`` (the hidden tests and its socket).
    Its network namespace is the run's (see "Network namespaces" at the top)."""
    options = _common(job.limits, "grader", runtime)
    options.update(
        name=name,
        user=GRADER_UID,
        mem_limit=f"{GRADER_MEMORY_MB}m",
        memswap_limit=f"{GRADER_MEMORY_MB}m",
        pids_limit=128,
        tmpfs={"/tmp": "rw,nosuid,nodev,size=64m,mode=1777"},
        volumes=_volumes(inbox, etc_dir, runtime),
        # No PYTHONHASHSEED: `python3 -I` ignores PYTHON* variables, so string hashes are randomised per
        # process, and strings precomputed to collide in the grader's dicts cannot be built in advance.
        # One thread per numeric library, as in the student box: on a shared host, thread pools sized to every
        # core made a small scikit-learn fit in a grader ten times slower. Model libraries stay offline.
        environment={
            "HOME": "/tmp", "GRADIENT_CALL_TIMEOUT": str(job.limits.call_timeout_s), "OMP_NUM_THREADS": "1",
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": "/tmp/hf", "MPLBACKEND": "Agg",
        },
        sysctls=dict(PRIVILEGED_PORTS),  # it owns the run's namespace (see PRIVILEGED_PORTS)
    )
    command = ["python3", "-I", "-B", f"{RUNNERS}/grader_runner.py", "/box/in/chan.sock", *job.preload]
    return command, options


SERVER_CONTROL = "/box/in/control.sock"
SERVER_RUNS = "/box/in/runs"


def grader_server_box(
    job: GradingJob, *, name: str, inbox: Path, etc_dir: Path, runtime: str
) -> tuple[list[str], dict[str, Any]]:
    """(command, create options) of a grader server (sandbox.grader_server): a grader box of this job's kind,
    with the same limits, that forks a grader process per run. ``inbox`` holds its control socket and a
    folder per run. No student box joins its network namespace (each makes its own), so it sets no sysctl."""
    command, options = grader_box(job, name=name, inbox=inbox, etc_dir=etc_dir, runtime=runtime)
    del options["sysctls"]
    options["labels"] = {"gradient.box": "grader-server"}
    runner = f"{RUNNERS}/grader_runner.py"
    return [*command[:3], runner, "--serve", SERVER_CONTROL, SERVER_RUNS, *job.preload], options


def server_key(job: GradingJob, tag: str, runtime: str) -> str:
    """Two jobs with the same key can be graded by the same grader server: same image, runtime, limits and
    preloads of the grader box (the student's limits are left out: they are the student box's)."""
    command, options = grader_server_box(job, name="", inbox=Path("/"), etc_dir=Path("/"), runtime=runtime)
    options = {k: v for k, v in options.items() if k not in ("name", "volumes")}
    text = json.dumps([tag, command, options], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]

