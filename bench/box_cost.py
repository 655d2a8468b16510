"""What one student box costs the machine, created, started, run to its end and removed, for variants of its
options side by side (issue 17): the OCI runtime, and any option a lever would change.

A run starts one fresh student box (with grader servers, the default), so this cost is paid once per run. The
boxes are made with the student box's real options (``sandbox.boxes.student_box``) and run ``python3 -I -c
pass``: the engine's, the runtime's and the interpreter's part of a box, without a submission. This
machine's speed drifts by a quarter within minutes, so the variants take turns box by box (A, B, A, B...)
and each gets the median of its boxes: a drift then moves every variant alike.

    .venv/bin/python -m bench.box_cost --boxes 40                 # runc against crun
    .venv/bin/python -m bench.box_cost --boxes 40 --variant runc --variant runc-no-init

Variants: ``runc``, ``crun`` (registered by scripts/ensure-crun), and ``<runtime>-no-<option>`` to leave one
of the box's options out (``no-init``, ``no-seccomp``, ``no-sysctls``, ``no-tmpfs``, ``no-ulimits``, and
``no-network_disabled``: the engine's network stack makes the namespace, as before 2026-12-07): for
measuring only, never a configuration.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine_busy_s
from sandbox import SandboxConfig, declared_tests
from sandbox.boxes import etc_files, student_box
from sandbox.engine import create_container, docker_client
from sandbox.images import ensure_image
from sandbox.spec import GradingJob

ROOT = Path(__file__).resolve().parents[1]
GRADER = ROOT / "graders" / "python-foundations" / "word-frequencies"
COMMAND = ["python3", "-I", "-c", "pass"]


def job() -> GradingJob:
    return GradingJob(run_name="bench-box-cost", image="python", student_files={}, module="solution",
                      grader_dir=GRADER, declared_tests=declared_tests(GRADER))


def options_of(variant: str, inbox: Path, name: str) -> dict[str, Any]:
    runtime, _, left_out = variant.partition("-no-")
    _command, options = student_box(
        job(), name=name, inbox=inbox, etc_dir=etc_files(inbox), grader_id=None, runtime=runtime
    )
    if left_out == "seccomp":
        options["security_opt"] = [o for o in options["security_opt"] if not o.startswith("seccomp")]
    elif left_out == "network_disabled":  # the engine makes the namespace and mounts its /etc files, as before
        options["network_disabled"] = False
        options["volumes"] = {source: bind for source, bind in options["volumes"].items() if bind["bind"] == "/box/in"}
    elif left_out:
        options.pop(left_out)
    return options


def one_box(client: Any, tag: str, options: dict[str, Any]) -> float:
    """Machine CPU seconds (less this process's) of one box's whole life."""
    own = time.process_time()
    before = machine_busy_s()
    container = create_container(client, tag, COMMAND, **options)
    try:
        container.start()
        result = container.wait(timeout=60)
        assert result["StatusCode"] == 0, result
    finally:
        container.remove(force=True)
    # The engine finishes tearing a box down just after it answers: let that land in this box's figure.
    time.sleep(0.05)
    return machine_busy_s() - before - (time.process_time() - own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxes", type=int, default=40, help="boxes per variant")
    parser.add_argument("--variant", action="append", help="runc, crun, <runtime>-no-<option> (repeatable)")
    args = parser.parse_args()
    variants = args.variant or ["runc", "crun"]
    config = SandboxConfig.from_env()
    client = docker_client(config.docker_timeout_s)
    tag = ensure_image("python", config=config)
    costs: dict[str, list[float]] = {variant: [] for variant in variants}
    with tempfile.TemporaryDirectory(prefix="gradient-box-cost-") as scratch:
        inbox = Path(scratch)
        inbox.chmod(0o755)
        for variant in variants:  # one box each first: images and caches warm for all alike
            one_box(client, tag, options_of(variant, inbox, f"gradient-bench-box-{os.getpid()}-warm"))
        for index in range(args.boxes):
            for variant in variants:
                name = f"gradient-bench-box-{os.getpid()}-{index}"
                costs[variant].append(one_box(client, tag, options_of(variant, inbox, name)))
    print(f"machine CPU per student box ({args.boxes} boxes per variant, taking turns; `python3 -I -c pass`):")
    base = statistics.median(costs[variants[0]])
    for variant, values in costs.items():
        median = statistics.median(values)
        quartiles = statistics.quantiles(values, n=4)
        print(f"  {variant:<26} median {median * 1000:6.1f} ms  (quartiles {quartiles[0] * 1000:.1f}-"
              f"{quartiles[2] * 1000:.1f} ms)  {(median - base) * 1000:+6.1f} ms against {variants[0]}")


if __name__ == "__main__":
    main()
