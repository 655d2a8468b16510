"""A smaller kernel surface: our own seccomp allowlist, no core dumps, less of the host readable in /proc.

The probes call the refused system calls by number (ctypes ``syscall()``, x86_64 numbers) with arguments
that would do nothing if a call got through (bad descriptors, NULL pointers, unknown operations, a pid that
does not exist), chosen where possible so that the kernel itself would answer something other than EPERM:
so EPERM here is mostly our filter's answer, not the missing capability's. Measured with Docker 20.10's
default profile instead, 27 of them reached the kernel: io_uring, ptrace, AIO, SysV IPC, message queues,
personality(PER_LINUX32), AF_VSOCK and netlink sockets other than routing, memfd_secret, landlock,
modify_ldt, sync, ... Every probe runs inside a call into the honest solution, cold and warm, so each test
also checks that the honest submission keeps full marks.
"""

from __future__ import annotations

import errno
import json
import os
import re
import textwrap
from typing import Any

import pytest

from sandbox import GradingJob, Outcome, run_job
from sandbox.boxes import (
    ETC_FILES,
    SECCOMP_FILE,
    SECCOMP_PROFILE,
    grader_box,
    pair_key,
    run_containers,
    server_key,
    student_box,
)
from sandbox.engine import docker_client
from sandbox.grader_server import grader_servers
from sandbox.images import ensure_image
from tests.support.redteam import CONFIG, HONEST, attack_job

X86_64 = os.uname().machine == "x86_64"
only_x86_64 = pytest.mark.skipif(not X86_64, reason="the probes call system calls by their x86_64 numbers")
seccomp_applies = pytest.mark.skipif(
    CONFIG.runtime == "runsc", reason="gVisor answers system calls in its own kernel; our profile is not passed there"
)

EPERM = errno.EPERM
ENOSYS = errno.ENOSYS

AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 1, 2, 10, 16
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW = 1, 2, 3
NO_PID = 0x7FFFFFFF  # a pid that exists nowhere

# name -> (x86_64 number, arguments). Refused: each must fail with EPERM (the profile's errno).
REFUSED: dict[str, tuple[int, tuple[int, ...]]] = {
    # io_uring, userfaultfd, keys, BPF, perf, tracing and other processes' memory
    "io_uring_setup": (425, (0, 0)),
    "io_uring_enter": (426, (-1, 0, 0, 0, 0, 0)),
    "io_uring_register": (427, (-1, 0, 0, 0)),
    "userfaultfd(UFFD_USER_MODE_ONLY)": (323, (1,)),
    "keyctl": (250, (9999, 0, 0, 0, 0)),
    "add_key": (248, (0, 0, 0, 0, 0)),
    "request_key": (249, (0, 0, 0, 0)),
    "bpf": (321, (9999, 0, 0)),
    "perf_event_open": (298, (0, 0, -1, -1, 0)),
    "ptrace(PTRACE_ATTACH)": (101, (16, NO_PID, 0, 0)),
    "process_vm_readv": (310, (NO_PID, 0, 0, 0, 0, 1)),
    "process_vm_writev": (311, (NO_PID, 0, 0, 0, 0, 1)),
    "kcmp": (312, (NO_PID, NO_PID, 0, 0, 0)),
    "pidfd_getfd": (438, (-1, 0, 0)),
    "process_madvise": (440, (-1, 0, 0, 0, 0)),
    # mounts, namespaces, roots, file handles, fanotify
    "mount": (165, (0, 0, 0, 0, 0)),
    "umount2": (166, (0, 0)),
    "unshare": (272, (0,)),
    "setns": (308, (-1, 0)),
    "pivot_root": (155, (0, 0)),
    "chroot": (161, (0,)),
    "open_tree": (428, (-1, 0, 0)),
    "move_mount": (429, (-1, 0, -1, 0, 0)),
    "fsopen": (430, (0, 0)),
    "fsmount": (432, (-1, 0, 0)),
    "mount_setattr": (442, (-1, 0, 0, 0, 0)),
    "open_by_handle_at": (304, (-1, 0, 0)),
    "name_to_handle_at": (303, (-1, 0, 0, 0, 0)),
    "fanotify_init(FAN_REPORT_FID)": (300, (0x200, 0)),
    "fanotify_mark": (301, (-1, 0, 0, -1, 0)),
    "clone(CLONE_NEWUSER|CLONE_FS)": (56, (0x10000000 | 0x200, 0, 0, 0, 0)),
    # the host: modules, kexec, reboot, swap, accounting, quotas, clock, hostname, kernel log, I/O ports
    "init_module": (175, (0, 0, 0)),
    "finit_module": (313, (-1, 0, 0)),
    "delete_module": (176, (0, 0)),
    "kexec_load": (246, (0, 0, 0, 0)),
    "kexec_file_load": (320, (-1, -1, 0, 0, 0)),
    "reboot": (169, (0, 0, 0, 0)),
    "swapon": (167, (0, 0)),
    "swapoff": (168, (0,)),
    "acct": (163, (0,)),
    "quotactl": (179, (0, 0, 0, 0)),
    "lookup_dcookie": (212, (0, 0, 0)),
    "settimeofday": (164, (0, 0)),
    "clock_settime": (227, (0, 0)),
    "adjtimex": (159, (0,)),
    "sethostname": (170, (0, 0)),
    "setdomainname": (171, (0, 0)),
    "syslog(SYSLOG_ACTION_SIZE_BUFFER)": (103, (10, 0, 0)),
    "iopl": (172, (3,)),
    "ioperm": (173, (0, 1, 1)),
    "vhangup": (153, ()),
    "sync": (162, ()),
    "syncfs": (306, (-1,)),
    # odd corners: personalities, the LDT, AIO, SysV IPC and message queues, splicing user pages, NUMA
    "personality(PER_LINUX32)": (135, (0x0008,)),
    "modify_ldt": (154, (0, 0, 0)),
    "io_setup": (206, (0, 0)),
    "msgget": (68, (0x1234, 0)),
    "semget": (64, (0x1234, 0, 0)),
    "shmget": (29, (0x1234, 0, 0)),
    "mq_open": (240, (0, 0, 0, 0)),
    "vmsplice": (278, (-1, 0, 0, 0)),
    "remap_file_pages": (216, (0, 0, 0, 0, 0)),
    "seccomp": (317, (99, 0, 0)),
    "mbind": (237, (0, 0, 0, 0, 0, 0)),
    "set_mempolicy": (238, (0, 0, 0)),
    "migrate_pages": (256, (NO_PID, 0, 0, 0)),
    "move_pages": (279, (NO_PID, 0, 0, 0, 0, 0)),
    "landlock_create_ruleset": (444, (0, 0, 1)),
    "memfd_secret": (447, (0,)),
    # sockets of families other than UNIX, IPv4, IPv6 and routing netlink
    "socket(AF_ALG)": (41, (38, 5, 0)),
    "socket(AF_VSOCK)": (41, (40, SOCK_STREAM, 0)),
    "socket(AF_KEY)": (41, (15, SOCK_RAW, 2)),
    "socket(AF_PACKET)": (41, (17, SOCK_RAW, 0)),
    "socket(AF_TIPC)": (41, (30, SOCK_DGRAM, 0)),
    "socket(AF_NETLINK, NETLINK_SOCK_DIAG)": (41, (AF_NETLINK, SOCK_RAW, 4)),
    "socket(AF_NETLINK, NETLINK_AUDIT)": (41, (AF_NETLINK, SOCK_RAW, 9)),
    "socketpair(AF_INET)": (53, (AF_INET, SOCK_STREAM, 0, 0)),
}

# What the runtime needs of the same calls stays: (number, arguments) -> it must not fail with EPERM.
ALLOWED: dict[str, tuple[int, tuple[int, ...]]] = {
    "personality(query)": (135, (0xFFFFFFFF,)),
    "personality(PER_LINUX)": (135, (0,)),
    "socket(AF_UNIX)": (41, (AF_UNIX, SOCK_STREAM, 0)),
    "socket(AF_INET)": (41, (AF_INET, SOCK_STREAM, 0)),
    "socket(AF_INET6)": (41, (AF_INET6, SOCK_DGRAM, 0)),
    "socket(AF_NETLINK, NETLINK_ROUTE)": (41, (AF_NETLINK, SOCK_RAW, 0)),
}

CALL_BY_NUMBER = """
import ctypes

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def call(number, args):
    ctypes.set_errno(0)
    result = _libc.syscall(ctypes.c_long(number), *(ctypes.c_long(a) for a in args))
    return [result, ctypes.get_errno() if result == -1 else 0]
"""


def probe_calls(table: dict[str, tuple[int, tuple[int, ...]]]) -> str:
    return f"""
{CALL_BY_NUMBER}
return {{name: call(number, args) for name, (number, args) in {table!r}.items()}}
"""


def assert_full_marks(outcome: Outcome, grade: Any) -> None:
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == grade.full_marks


# ---------------------------------------------------------------------------------------------- the profile


def test_the_profile_is_an_allowlist_that_names_none_of_the_refused_calls() -> None:
    profile = json.loads(SECCOMP_FILE.read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    assert profile["defaultErrnoRet"] == EPERM
    assert [entry["architecture"] for entry in profile["archMap"]] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]
    allowed = [entry for entry in profile["syscalls"] if entry["action"] == "SCMP_ACT_ALLOW"]
    unconditional = {name for entry in allowed if not entry.get("args") for name in entry["names"]}
    conditional = {name for entry in allowed if entry.get("args") for name in entry["names"]}
    assert conditional == {"clone", "personality", "socket", "socketpair"}
    assert not unconditional & conditional
    assert profile["syscalls"][0]["names"] == sorted(set(profile["syscalls"][0]["names"]))
    refused = {name.split("(")[0] for name in REFUSED} - conditional
    assert sorted(refused & unconditional) == []
    # clone3 must fail as "not implemented" so that glibc falls back to clone (threads, subprocesses).
    (clone3,) = [entry for entry in profile["syscalls"] if "clone3" in entry["names"]]
    assert (clone3["names"], clone3["action"], clone3["errnoRet"]) == (["clone3"], "SCMP_ACT_ERRNO", ENOSYS)


@pytest.mark.parametrize("oci_runtime", ["runc", "runsc"])
def test_every_box_gets_the_profile_and_no_core_dumps_and_the_pair_key_is_stable(oci_runtime) -> None:
    job = make_job("python")
    etc = CONFIG.work_dir / "etc"
    student = student_box(job, name="s", inbox=CONFIG.work_dir, etc_dir=etc, grader_id="g", runtime=oci_runtime)[1]
    grader = grader_box(job, name="g", inbox=CONFIG.work_dir, etc_dir=etc, runtime=oci_runtime)[1]
    for options in (student, grader):
        if oci_runtime == "runc":
            assert options["security_opt"] == ["no-new-privileges", f"seccomp={SECCOMP_PROFILE}"]
        else:  # gVisor: see sandbox.boxes._seccomp_options
            assert options["security_opt"] == ["no-new-privileges"]
        assert {"name": "core", "soft": 0, "hard": 0} in [
            {"name": u["Name"], "soft": u["Soft"], "hard": u["Hard"]} for u in options["ulimits"]
        ]
        assert options["cgroupns"] == "private"
    # A box that owns its run's network namespace has the runtime make it (no libnetwork sandbox, no hook);
    # one that joins another's must not, or it would get a namespace of its own. gVisor: the engine's "none".
    alone = student_box(job, name="s", inbox=CONFIG.work_dir, etc_dir=etc, grader_id=None, runtime=oci_runtime)[1]
    assert (alone["network_disabled"], grader["network_disabled"]) == ((True, True) if oci_runtime == "runc" else (False, False))
    assert student["network_disabled"] is False
    assert grader["dns"] == ["127.0.0.1"]
    # Under runc the student box that joins its grader box's namespace takes no dns option (the engine refuses one).
    assert student.get("dns") == (None if oci_runtime == "runc" else ["127.0.0.1"])
    assert pair_key(job, "tag", oci_runtime) == pair_key(make_job("python"), "tag", oci_runtime)
    assert pair_key(job, "tag", "runc") != pair_key(job, "tag", "runsc")


# ------------------------------------------------------------------------------------------- in the boxes


@pytest.mark.docker
@only_x86_64
@seccomp_applies
def test_refused_system_calls_fail_with_eperm(grade, probe_submission, facts) -> None:
    outcome = grade(probe_submission(probe_calls(REFUSED)))
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    assert sorted(found) == sorted(REFUSED)
    not_refused = {name: got for name, got in found.items() if got != [-1, EPERM]}
    assert not_refused == {}, "these calls were not refused by the profile: {name: [result, errno]}"


@pytest.mark.docker
@only_x86_64
@seccomp_applies
def test_what_python_needs_still_works(grade, probe_submission, facts) -> None:
    body = CALL_BY_NUMBER + textwrap.dedent(f"""
    import mmap
    import multiprocessing
    import os
    import select
    import signal
    import socket
    import subprocess
    import sys
    import tempfile
    import threading
    import time

    import numpy as np

    found = {{name: call(number, args) for name, (number, args) in {ALLOWED!r}.items()}}
    found["clone3"] = call(435, (0, 0))

    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(i * i)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found["threads"] = sorted(results)

    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((64, 64))
    found["numpy"] = bool(np.allclose(np.linalg.inv(matrix) @ matrix, np.eye(64)))

    run = subprocess.run([sys.executable, "-I", "-c", "print(6 * 7)"], capture_output=True, text=True, timeout=10)
    found["subprocess"] = [run.returncode, run.stdout.strip()]

    pid = os.fork()
    if pid == 0:
        os._exit(7)
    found["fork"] = os.WEXITSTATUS(os.waitpid(pid, 0)[1])

    with multiprocessing.get_context("fork").Pool(2) as pool:
        found["multiprocessing"] = pool.map(abs, [-1, -2, -3])

    left, right = socket.socketpair()
    right.sendall(b"ping")
    found["socketpair"] = left.recv(4).decode()
    readable, _, _ = select.select([left], [], [], 0)
    found["select"] = readable == []
    found["if_nameindex"] = [name for _, name in socket.if_nameindex()]

    with tempfile.TemporaryFile() as handle:
        handle.write(b"x" * 4096)
        handle.flush()
        with mmap.mmap(handle.fileno(), 4096) as mapped:
            found["mmap"] = mapped[:3].decode()

    fired = []
    signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    signal.setitimer(signal.ITIMER_REAL, 0.01)
    time.sleep(0.5)
    found["alarm"] = fired == [True]
    return found
    """)
    outcome = grade(probe_submission(body), grade.limits(call_timeout_s=15))
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    for name in ALLOWED:
        assert found[name][0] != -1, (name, found[name])
    assert found["clone3"] == [-1, ENOSYS]  # not EPERM: glibc falls back to clone only on ENOSYS
    assert found["threads"] == [i * i for i in range(8)]
    assert found["numpy"] is True
    assert found["subprocess"] == [0, "42"]
    assert found["fork"] == 7
    assert found["multiprocessing"] == [1, 2, 3]
    assert found["socketpair"] == "ping" and found["select"] is True
    assert found["if_nameindex"] == ["lo"]
    assert found["mmap"] == "xxx"
    assert found["alarm"] is True


@pytest.mark.docker
def test_core_dumps_are_off(grade, probe_submission, facts) -> None:
    # Under gVisor a child that aborts ends the student's run as a crash (also before this profile), so
    # there only the limit is checked; gVisor writes no core files anyway.
    crashes = CONFIG.runtime != "runsc"
    body = f"crashes = {crashes}\n" + textwrap.dedent("""
    import os
    import resource
    import signal

    limit = resource.getrlimit(resource.RLIMIT_CORE)
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (1 << 20, 1 << 20))
        raised = "raised"
    except (ValueError, OSError) as exc:
        raised = type(exc).__name__
    os.chdir("/tmp")  # writable: a core file would land here

    def crash(how):
        pid = os.fork()
        if pid == 0:
            how()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        return [os.WIFSIGNALED(status), os.WTERMSIG(status), os.WCOREDUMP(status)]

    return {
        "limit": list(limit),
        "raise": raised,
        "abort": crash(os.abort) if crashes else None,
        "segv": crash(lambda: os.kill(os.getpid(), signal.SIGSEGV)) if crashes else None,
        "core_files": sorted(name for name in os.listdir("/tmp") if name.startswith("core")),
    }
    """)
    outcome = grade(probe_submission(body), grade.limits(call_timeout_s=10))
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    assert found["limit"] == [0, 0]  # soft and hard
    assert found["raise"] == "ValueError"  # an unprivileged process cannot raise the hard limit
    # Killed by SIGABRT and SIGSEGV, and no core dumped (the kernel says so in the wait status).
    if crashes:
        assert found["abort"] == [True, 6, False]
        assert found["segv"] == [True, 11, False]
    assert found["core_files"] == []


PROC_PROBE = """
def read(path):
    try:
        with open(path, errors="replace") as handle:
            return handle.read()
    except OSError as exc:
        return type(exc).__name__

paths = ("/proc/self/mountinfo", "/proc/net/unix", "/proc/self/cgroup", "/etc/hostname", "/etc/hosts",
         "/etc/resolv.conf", "/proc/self/environ", "/proc/1/cmdline", "/proc/self/cmdline")
seen = {path: read(path) for path in paths}
import socket
try:
    seen["localhost"] = sorted({info[4][0] for info in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)})
except OSError as exc:
    seen["localhost"] = type(exc).__name__
return seen
"""


def nameservers(text: str) -> list[str]:
    return [line.split()[1] for line in text.splitlines() if line.startswith("nameserver ")]


@pytest.mark.docker
def test_proc_shows_no_run_name_work_folder_or_container_id(grade, probe_submission, facts) -> None:
    outcome = grade(probe_submission(PROC_PROBE))
    assert_full_marks(outcome, grade)
    seen = facts(outcome)
    run_name = grade.run_names[-1]
    folder = str(CONFIG.work_dir)
    mountinfo = seen.pop("/proc/self/mountinfo").splitlines()
    localhost = seen.pop("localhost")

    # The sockets to the worker: their address is the worker's descriptor of the folder, not its path.
    # (gVisor shows its own /proc: no socket paths and no cgroups at all.)
    gvisor = CONFIG.runtime == "runsc"
    sockets = [line.split()[-1] for line in seen["/proc/net/unix"].splitlines()[1:] if len(line.split()) == 8]
    assert all(re.fullmatch(r"/proc/self/fd/\d+/chan\.sock", path) for path in sockets), sockets
    assert gvisor or sockets
    # Cgroups: the box's own namespace, so no container id.
    assert gvisor or seen["/proc/self/cgroup"].strip()
    assert all(line.rsplit(":", 1)[1] == "/" for line in seen["/proc/self/cgroup"].splitlines())
    cgroup_mounts = [line for line in mountinfo if " - cgroup" in line]
    assert all(line.split()[3] == "/" for line in cgroup_mounts), cgroup_mounts
    assert gvisor or cgroup_mounts
    container_id = re.compile(r"[0-9a-f]{64}")
    assert [name for name, text in seen.items() if container_id.search(text)] == []
    # Name servers: none of the host's. "localhost" resolves, as on any machine (a server a submission starts
    # on its own loopback is reached by that name).
    assert nameservers(seen["/etc/resolv.conf"]) == ["127.0.0.1"]
    assert "127.0.0.1" in localhost, localhost

    # Nowhere but the mount of the box's own folder (a cold run's folder is named after its run; the warm
    # pool's are not): mountinfo shows the source path of every bind mount, see sandbox/boxes.py.
    assert [name for name, text in seen.items() if run_name in text or folder in text] == []
    # (Under runc and crun, /etc/hosts and /etc/resolv.conf are the two files every box mounts from the work
    # folder's etc/: sandbox.boxes.ETC_FILES. They hold no run's name.)
    shared = {f" {folder}/etc/{name} /etc/{name} " for name in ETC_FILES}
    elsewhere = [line for line in mountinfo if (run_name in line or folder in line) and " /box/in " not in line
                 and not any(mount in line for mount in shared)]
    assert elsewhere == []
    assert gvisor or len([line for line in mountinfo if any(mount in line for mount in shared)]) == len(shared)
    if grade.pool is not None:
        assert [line for line in mountinfo if run_name in line] == []


# ------------------------------------------------------------------------------------- what the engine holds


def make_job(image: str, source: str = HONEST, **limit_changes: Any) -> GradingJob:
    return attack_job("kernel", source, image=image, **limit_changes)


@pytest.mark.docker
@seccomp_applies
def test_the_engine_holds_the_profile_and_the_core_limit_for_both_boxes() -> None:
    job = make_job("python")
    seen: dict[str, dict[str, Any]] = {}

    def look(outcome: Outcome) -> None:
        for container in run_containers(docker_client(), job.run_name):
            container.reload()
            seen[container.name.rsplit("-", 1)[1]] = container.attrs["HostConfig"]

        if CONFIG.grader_server:  # the run's grader is a child of a grader server: its box is the grader's
            registry = grader_servers(CONFIG)
            assert registry is not None
            tag = ensure_image(job.image, config=CONFIG)
            server = registry.current[server_key(job, tag, CONFIG.runtime)].container
            server.reload()
            seen["grader"] = server.attrs["HostConfig"]

    outcome = run_job(job, config=CONFIG, on_outcome=look)
    assert outcome.status == "graded" and outcome.score == outcome.max_score, outcome.messages
    assert sorted(seen) == ["grader", "student"]
    for role, host in seen.items():
        assert host["SecurityOpt"] == ["no-new-privileges", f"seccomp={SECCOMP_PROFILE}"], role
        assert {"Name": "core", "Soft": 0, "Hard": 0} in host["Ulimits"], role
        assert host["CgroupnsMode"] == "private", role
    assert seen["grader"]["Dns"] == ["127.0.0.1"]


ML_PROBE = HONEST + '''
import json as _json

def _ml_probe():
    import pandas as pd
    import torch
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    torch.manual_seed(0)
    torch.set_num_threads(2)
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    X, y = load_iris(return_X_y=True)
    data = torch.utils.data.TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(20):
        for xb, yb in torch.utils.data.DataLoader(data, batch_size=32, shuffle=True):
            optimiser.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            optimiser.step()
    torch_accuracy = (model(data.tensors[0]).argmax(1) == data.tensors[1]).float().mean().item()
    sklearn_accuracy = LogisticRegression(max_iter=500).fit(X, y).score(X, y)
    frame = pd.DataFrame({"species": y, "length": X[:, 0]})
    means = frame.groupby("species")["length"].mean().round(2).tolist()
    return {"torch": torch_accuracy, "sklearn": sklearn_accuracy, "pandas": means}

print("FACTS=" + _json.dumps(_ml_probe()), flush=True)
'''


@pytest.mark.docker
@seccomp_applies
def test_torch_scikit_learn_and_pandas_work_under_the_profile(facts) -> None:
    job = make_job("ml", ML_PROBE, memory_mb=1024, load_timeout_s=120, call_timeout_s=10, cpu_s=120, pids=128)
    outcome = run_job(job, config=CONFIG)
    assert outcome.status == "graded" and outcome.score == outcome.max_score, outcome.messages
    found = facts(outcome)
    assert found["torch"] > 0.9 and found["sklearn"] > 0.9
    assert found["pandas"] == [5.01, 5.94, 6.59]
