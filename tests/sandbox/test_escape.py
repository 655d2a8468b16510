"""Looking for a way out: network, secrets, the Docker socket, privileges, writable files, other processes.

The probes run inside a call into the honest solution (``probe_submission``) and print what they find, so
each test also checks that the honest submission keeps full marks. Nothing here sends traffic anywhere but
the loopback interface.
"""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.docker


def assert_full_marks(outcome, grade) -> None:
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == grade.full_marks


def test_only_the_loopback_interface(grade, probe_submission, facts):
    body = """
    with open("/proc/net/dev") as handle:
        lines = handle.read().splitlines()[2:]
    interfaces = sorted(line.split(":")[0].strip() for line in lines if ":" in line)
    import socket
    return {"interfaces": interfaces, "if_nameindex": sorted(name for _, name in socket.if_nameindex())}
    """
    outcome = grade(probe_submission(body))
    assert_full_marks(outcome, grade)
    assert facts(outcome) == {"interfaces": ["lo"], "if_nameindex": ["lo"]}


def test_no_routes_out(grade, probe_submission, facts):
    body = """
    def entries(path, header_lines):
        try:
            with open(path) as handle:
                return [line for line in handle.read().splitlines()[header_lines:] if line.strip()]
        except FileNotFoundError:
            return []

    ipv6 = [line for line in entries("/proc/net/ipv6_route", 0) if not line.rstrip().endswith(" lo")]
    return {"ipv4": entries("/proc/net/route", 1), "ipv6_not_lo": ipv6}
    """
    outcome = grade(probe_submission(body))
    assert_full_marks(outcome, grade)
    assert facts(outcome) == {"ipv4": [], "ipv6_not_lo": []}


def test_host_loopback_listener_is_unreachable(grade, probe_submission, facts):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        body = f"""
        import socket

        try:
            connection = socket.create_connection(("127.0.0.1", {port}), timeout=1)
        except OSError as exc:
            return {{"result": type(exc).__name__}}
        connection.close()
        return {{"result": "connected"}}
        """
        outcome = grade(probe_submission(body))
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody knocked
    finally:
        listener.close()
    assert_full_marks(outcome, grade)
    assert facts(outcome)["result"] in ("ConnectionRefusedError", "TimeoutError")


def test_environment_holds_no_secrets(grade, probe_submission, facts, monkeypatch):
    sentinel_value = "gradient-sentinel-9f2c"
    monkeypatch.setenv("GRADIENT_REDTEAM_SENTINEL", sentinel_value)
    monkeypatch.setenv("SECRET_KEY", sentinel_value)
    body = """
    import os
    return {"keys": sorted(os.environ), "values": sorted(os.environ.values())}
    """
    outcome = grade(probe_submission(body))
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    assert "GRADIENT_REDTEAM_SENTINEL" not in found["keys"]
    assert not any(sentinel_value in value for value in found["values"])
    forbidden = (
        "SECRET",
        "PASSWORD",
        "TOKEN",
        "DATABASE",
        "DJANGO",
        "DOCKER",
        "AWS",
        "REDIS",
        "CELERY",
        "AMQP",
        "POSTGRES",
        "PG",
        "API_KEY",
        "CREDENTIAL",
    )
    assert [k for k in found["keys"] if any(word in k.upper() for word in forbidden)] == []


def test_no_docker_socket_in_the_box(grade, probe_submission, facts):
    body = """
    import os
    import stat

    sockets = []
    for root, dirs, files in os.walk("/", onerror=lambda e: None):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/usr")]
        for name in files:
            try:
                if stat.S_ISSOCK(os.lstat(os.path.join(root, name)).st_mode):
                    sockets.append(os.path.join(root, name))
            except OSError:
                pass
    paths = ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock")
    return {"exists": [p for p in paths if os.path.exists(p)], "sockets": sorted(sockets)}
    """
    outcome = grade(probe_submission(body), grade.limits(call_timeout_s=10))
    assert_full_marks(outcome, grade)
    assert facts(outcome) == {"exists": [], "sockets": ["/box/in/chan.sock"]}


def test_not_root_and_no_privileges(grade, probe_submission, facts):
    body = """
    import os

    status = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"):
                status[key] = value.strip()
    try:
        os.setuid(0)
        setuid = "became root"
    except OSError as exc:
        setuid = type(exc).__name__
    return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
            "status": status, "setuid": setuid}
    """
    outcome = grade(probe_submission(body))
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    assert (found["uid"], found["euid"], found["gid"]) == (65534, 65534, 65534)
    assert 0 not in found["groups"]
    assert found["setuid"] == "PermissionError"
    assert found["status"]["NoNewPrivs"] == "1"
    for key in ("CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(found["status"][key], 16) == 0, found["status"]


def test_root_file_system_is_read_only(grade, probe_submission, facts):
    body = """
    import errno

    def try_write(path):
        try:
            with open(path, "w") as handle:
                handle.write("x")
        except OSError as exc:
            return errno.errorcode.get(exc.errno, str(exc.errno))
        return "written"

    with open("/proc/self/mounts") as handle:
        mounts = {fields[1]: fields[3].split(",") for fields in (line.split() for line in handle)}
    return {
        "root_options": mounts["/"],
        "writes": {p: try_write(p) for p in ("/etc/x", "/usr/lib/x", "/x", "/opt/gradient/x")},
        "tmp": try_write("/tmp/allowed"),
    }
    """
    outcome = grade(probe_submission(body))
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    assert "ro" in found["root_options"]
    assert set(found["writes"].values()) <= {"EROFS", "EACCES"}, found["writes"]
    assert found["tmp"] == "written"  # the small tmpfs scratch space is the one writable place


def test_box_inbox_is_read_only(grade, probe_submission, facts):
    body = """
    import os

    results = {}
    for action, call in (
        ("write", lambda: open("/box/in/files/solution.py", "a").write("x")),
        ("create", lambda: open("/box/in/new.py", "w").write("x")),
        ("unlink_socket", lambda: os.unlink("/box/in/chan.sock")),
        ("chmod", lambda: os.chmod("/box/in/files", 0o777)),
        ("mkdir", lambda: os.mkdir("/box/in/tests")),
    ):
        try:
            call()
            results[action] = "done"
        except OSError as exc:
            results[action] = type(exc).__name__
    with open("/proc/self/mounts") as handle:
        options = [line.split()[3].split(",") for line in handle if line.split()[1] == "/box/in"]
    return {"results": results, "options": options}
    """
    outcome = grade(probe_submission(body))
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    assert "done" not in found["results"].values(), found["results"]
    assert len(found["options"]) == 1 and "ro" in found["options"][0]


def test_limits_are_in_force_inside_the_box(grade, probe_submission, facts):
    body = """
    import resource

    def limit(name):
        return list(resource.getrlimit(getattr(resource, name)))

    memory = None
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as handle:
                memory = int(handle.read().strip())
                break
        except (OSError, ValueError):
            pass
    with open("/proc/self/mounts") as handle:
        sizes = {f[1]: f[3] for f in (line.split() for line in handle) if f[2] == "tmpfs"}
    return {"nofile": limit("RLIMIT_NOFILE"), "fsize": limit("RLIMIT_FSIZE"), "cpu": limit("RLIMIT_CPU"),
            "memory": memory, "tmpfs": sizes}
    """
    limits = grade.limits()
    outcome = grade(probe_submission(body), limits)
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    assert found["nofile"] == [limits.nofile] * 2
    assert found["fsize"] == [limits.fsize_mb * 1024 * 1024] * 2
    assert found["cpu"] == [limits.cpu_s] * 2
    assert found["memory"] in (None, limits.memory_mb * 1024 * 1024)  # cgroup files may be hidden
    for mount in ("/tmp", "/work"):
        assert f"size={limits.tmpfs_mb * 1024}k" in found["tmpfs"][mount], found["tmpfs"]


def test_killing_the_parent_and_everything_else(grade, probe_submission, facts):
    # The probe signals PID 1 (the box's init), its parent and every process it may signal. Nothing of
    # the host or the grader is in reach, and the box's init survives, so grading goes on.
    body = """
    import os
    import signal
    import time

    report = {"ppid": os.getppid()}
    for label, target in (("init", 1), ("parent", os.getppid()), ("everyone", -1)):
        try:
            os.kill(target, signal.SIGKILL)
            report[label] = "sent"
        except OSError as exc:
            report[label] = type(exc).__name__
    time.sleep(0.2)
    os.kill(1, 0)  # raises if init is gone
    report["init_alive"] = True
    return report
    """
    outcome = grade(probe_submission(body))
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    assert found["ppid"] == 1  # the runner's parent is the box's own init, nothing of the host
    assert found["init_alive"] is True
    assert found["everyone"] == "ProcessLookupError"  # no other process it may signal exists


def test_no_processes_of_the_grader_or_host_visible(grade, probe_submission, facts):
    body = """
    import os

    commands = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    commands[pid] = handle.read().replace(b"\\0", b" ").decode(errors="replace").strip()
            except OSError:
                pass
    return {"commands": sorted(commands.values())}
    """
    outcome = grade(probe_submission(body))
    assert_full_marks(outcome, grade)
    commands = facts(outcome)["commands"]
    assert not [c for c in commands if "grader_runner" in c or "pytest" in c or "dockerd" in c], commands
    assert any("student_runner.py" in c for c in commands)
    assert len(commands) <= 3, commands  # init, the runner (and nothing else of anyone's)


def test_secret_hunting_finds_no_hidden_tests_labels_or_credentials(grade, probe_submission, facts):
    # The needles are built at run time so that the submission's own copy of this source never matches.
    body = """
    import os

    needles = ["HIDDEN-LABEL-" + "TOKEN", "EXPECTED_" + "GREETING", "BEGIN " + "PRIVATE KEY",
               "SECRET" + "_KEY", "DATABASE" + "_URL", "aws_" + "secret_access_key"]
    hits, scanned = [], 0
    for root, dirs, files in os.walk("/", onerror=lambda e: None):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/dev", "/usr")]
        for name in files:
            path = os.path.join(root, name)
            try:
                if not os.path.isfile(path) or os.path.getsize(path) > 2_000_000:
                    continue
                with open(path, "rb") as handle:
                    text = handle.read().decode("latin-1")
            except OSError:
                continue
            scanned += 1
            hits += [f"{path}: {n}" for n in needles if n in text]
    with open("/proc/1/environ", "rb") as handle:
        init_env = sorted(e.split(b"=")[0].decode() for e in handle.read().split(b"\\0") if e)
    return {"hits": hits, "scanned": scanned, "init_env": init_env, "own_env": sorted(os.environ)}
    """
    # A positive control: the submission plants one needle itself; the search must find exactly its copies.
    files = {"solution.py": probe_submission(body).encode(), "planted.txt": b"HIDDEN-LABEL-TOKEN (mine)\n"}
    outcome = grade(files, grade.limits(call_timeout_s=15))
    assert_full_marks(outcome, grade)
    found = facts(outcome)
    assert found["scanned"] > 10  # the search did look around
    assert sorted(found["hits"]) == [
        "/box/in/files/planted.txt: HIDDEN-LABEL-TOKEN",
        "/work/planted.txt: HIDDEN-LABEL-TOKEN",
    ]
    assert set(found["init_env"]) <= set(found["own_env"]) | {"PATH", "HOSTNAME"}, found["init_env"]
