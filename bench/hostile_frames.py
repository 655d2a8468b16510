"""Peak memory and CPU of reading the worst frames a box can send (docs/architecture.md, "Hostile frames").

    .venv/bin/python bench/hostile_frames.py

Each frame is built by one process into a temporary folder, then read by a fresh process (started from
this one, which never held a frame: a child's peak memory starts at its parent's) that measures only
``gradient_wire.parse_message`` + ``decode`` (what the grader box does with an answer, and the worker with a
frame it parses): its CPU time and how much its peak resident memory grew. Every frame is under the 8 MiB
frame cap; the ones near the value limit are the heaviest a reader accepts.
"""

from __future__ import annotations

import base64
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAP = 8 * 1024 * 1024 - 64
P = 2**61 - 1  # integers that differ by multiples of it share one hash


def _body(kind: str) -> str:
    builders = {
        "nested empty lists": lambda: "[" + "[],".join([""] * (CAP // 3)) + "[]]",
        "empty dicts": lambda: "[" + "{},".join([""] * (CAP // 3)) + "{}]",
        "tagged tuples": lambda: "[" + ",".join(['{"$":"tuple","v":[]}'] * (CAP // 21)) + "]",
        "floats": lambda: "[" + ",".join(["0.5"] * (CAP // 4)) + "]",
        "short strings": lambda: "[" + ",".join(['"ab"'] * (CAP // 5)) + "]",
        "one-comma strings": lambda: "[" + ",".join(['","'] * (CAP // 4)) + "]",
        "deep nesting": lambda: "[" * (CAP // 2) + "]" * (CAP // 2),
        "colliding integers": lambda: json.dumps(
            {"$": "set", "v": [{"$": "bigint", "v": str(k * P)} for k in range(1, 49_000)]}
        ),
        "lists at the limit": lambda: "[" + ",".join(["[]"] * 124_990) + "]",
        "strings at the limit": lambda: "[" + ",".join(['"' + "x" * 20 + '"'] * 249_990) + "]",
        "csv text": lambda: json.dumps("a,b,c:d," * (CAP // 10)),
        "one big string": lambda: json.dumps("x" * (CAP - 10)),
        "8 MiB array": lambda: json.dumps(
            {"$": "ndarray", "dtype": "<f8", "shape": [CAP * 3 // 32 - 100],
             "v": base64.b64encode(bytes(8 * (CAP * 3 // 32 - 100))).decode()}
        ),
    }
    return builders[kind]()


KINDS = [
    "nested empty lists", "empty dicts", "tagged tuples", "floats", "short strings", "one-comma strings",
    "deep nesting", "colliding integers", "lists at the limit", "strings at the limit", "csv text",
    "one big string", "8 MiB array",
]


def measure(path: Path) -> str:
    sys.path.insert(0, str(ROOT))
    from sandbox.runners import gradient_wire as wire

    payload = path.read_bytes()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    try:
        wire.decode(wire.parse_message(payload)["value"])
        result = "accepted"
    except wire.WireError as exc:
        result = f"refused: {str(exc)[:60]}"
    cpu = time.process_time() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    return f"{path.stem:22} {len(payload) / 2**20:5.1f} MiB  cpu {cpu:5.2f} s  peak +{grown:4.0f} MB  {result}"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(measure(Path(sys.argv[2])), flush=True)
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--build":
        Path(sys.argv[3]).write_bytes(('{"op":"result","ok":true,"value":' + _body(sys.argv[2]) + "}").encode())
        return
    with tempfile.TemporaryDirectory() as folder:
        for kind in KINDS:
            path = Path(folder) / f"{kind}.json"
            subprocess.run([sys.executable, __file__, "--build", kind, str(path)], check=True, timeout=600)
            subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True, timeout=600)


if __name__ == "__main__":
    main()
