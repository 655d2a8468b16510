"""What the benchmarks share: statistics, Django set-up, Celery worker and web server processes.

Everything runs against the real parts that scripts/bench starts and points at through the environment
(DATABASE_URL, CELERY_BROKER_URL): PostgreSQL, Redis, Celery worker processes, the Docker engine.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (str(ROOT), str(ROOT / "platform")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
LOGS = ROOT / "var" / "bench"
PYTHONPATH = f"{ROOT / 'platform'}:{ROOT}"


# ------------------------------------------------------------------------------------------ statistics


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile on the sorted values (no interpolation): a value that was measured."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(label: str, values: list[float], unit: str = "s") -> str:
    scale = 1000.0 if unit == "ms" else 1.0
    digits = 1 if unit == "ms" else 3
    p50, p95 = percentile(values, 50) * scale, percentile(values, 95) * scale
    return (
        f"  {label:<44} n={len(values):<4} p50={p50:.{digits}f}{unit}  p95={p95:.{digits}f}{unit}  "
        f"min={min(values) * scale:.{digits}f}{unit}  mean={statistics.fmean(values) * scale:.{digits}f}{unit}"
    )


@dataclass
class Row:
    """One line of the final summary table."""

    section: str
    what: str
    value: str
    reference: str = ""
    ratio: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, section: str, what: str, value: str, reference: str = "", ratio: str = "") -> None:
        self.rows.append(Row(section, what, value, reference, ratio))

    def table(self) -> str:
        headers = ("benchmark", "figure", "value", "reference (same run)", "ratio")
        cells = [headers, *((r.section, r.what, r.value, r.reference, r.ratio) for r in self.rows)]
        widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
        lines = []
        for index, row in enumerate(cells):
            lines.append("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip())
            if index == 0:
                lines.append("  ".join("-" * width for width in widths))
        return "\n".join(lines)


class CpuMeter:
    """CPU seconds spent while it runs: the whole machine's (every process: engine, containerd and shims, the
    boxes, workers, web server, PostgreSQL, Redis... from /proc/stat, idle and I/O wait left out) and this
    process's own (the load generator: client threads, polling), counted apart. Linux only."""

    def __enter__(self) -> CpuMeter:
        self.start = CpuSnapshot.now()
        return self

    def __exit__(self, *_exc: object) -> None:
        end = CpuSnapshot.now()
        self.machine = end.machine - self.start.machine
        self.own = end.own - self.start.own
        self.parts = cpu_by_part(self.start, end)

    @property
    def platform(self) -> float:
        """The machine's CPU less the load generator's."""
        return self.machine - self.own


# Where a run's CPU goes, by part of the machine: each process is put in one part by its name and command
# line; the boxes are counted by their cgroup (the engine's parent cgroup keeps the CPU of boxes already
# removed); interrupts come from /proc/stat. A process that ended between the two readings is counted
# where its parent waited for it (runc by its box's shim). A box's shim, which the engine starts detached,
# ends with its box and is reaped by init (PID 1), whose children's time then also holds the box's own
# processes (the shim reaps the box's init), already counted by the cgroup: so init's children are not read,
# and what no part claims, mostly the shims and runc of boxes removed meanwhile, is "shims, runc (ended)".
PARTS = (
    "boxes", "engine (dockerd)", "containerd", "shims, runc (live)", "shims, runc (ended)", "workers",
    "web server", "PostgreSQL", "Redis", "kernel threads", "interrupts", "other processes",
)
UNCLAIMED = "shims, runc (ended)"
BOX_CGROUPS = (  # cgroup v1 (cgroupfs driver), cgroup v2 (cgroupfs driver)
    ("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage", 1e-9),
    ("/sys/fs/cgroup/docker/cpu.stat", 1e-6),
)


def boxes_cpu_s() -> float | None:
    for path, scale in BOX_CGROUPS:
        try:
            text = Path(path).read_text()
        except OSError:
            continue
        if path.endswith("cpu.stat"):
            usage = dict(line.split() for line in text.splitlines() if line.strip())
            return int(usage["usage_usec"]) * scale
        return int(text) * scale
    return None


def _part_of(pid: int, comm: str, ppid: int, cmdline: str, own: int) -> str | None:
    if pid == own:
        return None  # the load generator: counted apart (CpuMeter.own)
    if ppid == 2 or pid == 2:
        return "kernel threads"
    if comm == "dockerd":
        return "engine (dockerd)"
    if comm == "containerd":
        return "containerd"
    if comm.startswith("containerd-shim") or comm == "runc":
        return "shims, runc (live)"
    if comm.startswith("postgres"):
        return "PostgreSQL"
    if comm.startswith("redis-server"):
        return "Redis"
    if "celery" in cmdline:
        return "workers"
    if "gunicorn" in cmdline or "runserver" in cmdline:
        return "web server"
    return "other processes"


def processes_cpu_s() -> dict[tuple[int, int], tuple[str, float]]:
    """(pid, start time) -> (part, CPU seconds of the process and the children it waited for), for every
    process outside the boxes."""
    tick = os.sysconf("SC_CLK_TCK")
    own = os.getpid()
    found: dict[tuple[int, int], tuple[str, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            if "/docker/" in Path(f"/proc/{pid}/cgroup").read_text():
                continue  # a box's process: counted by the boxes' cgroup
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # it ended while we looked
        comm = stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        ppid = int(fields[1])
        utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
        start = int(fields[19])
        if pid == 1:  # init: its own time only (see PARTS)
            found[(pid, start)] = ("other processes", (utime + stime) / tick)
        elif (part := _part_of(pid, comm, ppid, cmdline, own)) is not None:
            found[(pid, start)] = (part, (utime + stime + cutime + cstime) / tick)
    return found


def interrupts_cpu_s() -> float:
    with open("/proc/stat", encoding="ascii") as stat:
        fields = stat.readline().split()[1:]
    return (int(fields[5]) + int(fields[6])) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuSnapshot:
    machine: float
    own: float
    boxes: float | None
    interrupts: float
    processes: dict[tuple[int, int], tuple[str, float]]

    @classmethod
    def now(cls) -> CpuSnapshot:
        return cls(machine_busy_s(), own_cpu_s(), boxes_cpu_s(), interrupts_cpu_s(), processes_cpu_s())


def cpu_by_part(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """CPU seconds of each part between two snapshots; UNCLAIMED is what no other part claims."""
    parts = dict.fromkeys(PARTS, 0.0)
    for key, (part, seconds) in after.processes.items():
        parts[part] += seconds - (before.processes[key][1] if key in before.processes else 0.0)
    if before.boxes is not None and after.boxes is not None:
        parts["boxes"] = after.boxes - before.boxes
    parts["interrupts"] = after.interrupts - before.interrupts
    claimed = sum(v for k, v in parts.items() if k != UNCLAIMED)
    parts[UNCLAIMED] = max(0.0, (after.machine - before.machine) - (after.own - before.own) - claimed)
    return parts


def machine_busy_s() -> float:
    """Busy CPU seconds of all CPUs since boot: user, nice, system, irq, softirq and steal (not idle, iowait)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def heading(text: str) -> None:
    print(f"\n=== {text}", flush=True)


# ------------------------------------------------------------------------------------------ Django


def django_setup() -> None:
    import django

    django.setup()


# ------------------------------------------------------------------------------------------ processes


def _stop_group(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM the process group we started, then SIGKILL it if it lingers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    try:  # children left in the group (a Celery pool process): kill them too
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def start_worker(name: str, *, concurrency: int = 1, queue: str = "cpu,cpu-long") -> subprocess.Popen[bytes]:
    """A real Celery worker process, in its own process group; waits until it says it is ready.
    (Its warm pool follows SANDBOX_WARM_POOL in this environment: see add_warm_pool_option.)"""
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"worker-{name}.log"
    log_path.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": PYTHONPATH}
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--concurrency",
             str(concurrency), "--hostname", f"bench-{name}@%h", "--without-gossip", "--without-mingle",
             "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 90
    while b"ready." not in log_path.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            _stop_group(worker, 5)
            raise SystemExit(f"the Celery worker {name} did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return worker


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    _stop_group(worker)


def add_warm_pool_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warm-pool", type=int, default=None, metavar="N",
        help="box pairs each worker keeps warm per kind of run (the workers' SANDBOX_WARM_POOL; 0: none, "
        "every run starts its boxes; default: the setting's, 1)",
    )


def apply_warm_pool_option(value: int | None) -> str:
    """Set the workers' SANDBOX_WARM_POOL; returns a line saying what they will do."""
    if value is not None:
        os.environ["SANDBOX_WARM_POOL"] = str(value)
    pairs = int(os.environ.get("SANDBOX_WARM_POOL", "1"))
    return f"warm pool: {pairs} pair(s) per kind of run" if pairs else "warm pool: off (cold boxes for every run)"


def pairs_used(worker_names: list[str]) -> str:
    """How many runs took a warm pair and how many started their own, from the workers' logs."""
    warm = cold = 0
    for name in worker_names:
        log = (LOGS / f"worker-{name}.log").read_text(errors="replace")
        warm += log.count(": warm pair of boxes")
        cold += log.count(": cold pair of boxes")
    return f"{warm} warm / {cold} cold pairs"


def purge_queue(queue: str = "cpu") -> None:
    """Empty the queue(s), comma-separated."""
    from config.celery import app

    with app.connection_for_write() as connection:
        for name in queue.split(","):
            connection.default_channel.queue_purge(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WebServer:
    process: subprocess.Popen[bytes]
    url: str
    kind: str

    def stop(self) -> None:
        _stop_group(self.process, 15)


def start_web(*, workers: int = 2, threads: int = 4) -> WebServer:
    """The site on 127.0.0.1: gunicorn (gthread workers) where installed, else `manage.py runserver`."""
    import importlib.util

    LOGS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": PYTHONPATH}
    if importlib.util.find_spec("gunicorn") is not None:
        kind = f"gunicorn ({workers} gthread workers x {threads} threads)"
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
                   "--log-level", "warning", "--timeout", "120"]
    else:
        kind = "manage.py runserver (threaded)"
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    log = (LOGS / "web.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    log.close()
    url = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return WebServer(process, url, kind)
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            _stop_group(process, 5)
            raise SystemExit(f"the web server did not start:\n{(LOGS / 'web.log').read_text()[-3000:]}")
        time.sleep(0.2)


def wait_final(run_ids: list[int], timeout: float) -> None:
    """Wait until every run has a final status (polling the database)."""
    from grading.models import FINAL_STATUSES, GradingRun

    deadline = time.monotonic() + timeout
    pending = set(run_ids)
    while pending:
        done = set(
            GradingRun.objects.filter(pk__in=pending, status__in=list(FINAL_STATUSES)).values_list("pk", flat=True)
        )
        pending -= done
        if not pending:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(pending)} run(s) did not finish in {timeout:.0f} s: {sorted(pending)[:10]}")
        time.sleep(0.05)
