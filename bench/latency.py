"""End-to-end latency, from upload to committed score, against the bare floor, for several exercises.

    python bench/latency.py [--runs 20] [--gap 1.0] [--warm-pool N] [--exercise python-foundations/word-frequencies ...]

Real parts: the submission is created by the same service the API calls (one transaction, task sent on
commit to Redis), a real Celery worker process (concurrency 1) grades it in the Docker sandbox and commits
to PostgreSQL. Latency = run.finished_at - submission.created_at (both stamped by the database writes), so
polling adds nothing. The floor: the same hidden tests run with plain pytest on the host against the
reference solution, in one process, no sandbox (a fresh interpreter per run, as a worker would need for
isolation). Submissions come one at a time, ``--gap`` seconds after the previous result: the latency a
student sees from a worker that is not busy (bench/throughput.py measures a busy one). With the warm pool
(the default), a worker keeps a pair of boxes started for the next run of each kind; the first run of each
exercise starts its own, and the line "pairs" says how many runs found one warm. A notebook reference is turned into a module with sandbox.submission.notebook_to_module first,
as the platform does before grading it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402 - bench/ is a folder of scripts, not a package
    ROOT,
    Report,
    add_warm_pool_option,
    apply_warm_pool_option,
    django_setup,
    heading,
    pairs_used,
    percentile,
    purge_queue,
    start_worker,
    stop_worker,
    summary,
)

EXERCISES = {
    "python-foundations/word-frequencies": "trivial",
    "numpy/broadcasting-basics": "NumPy, notebook",
    "deep-learning/tensors-autograd": "torch",
    "python-foundations/csv-json-report": "notebook",
}


def reference_of(exercise: str) -> Path:
    folder = ROOT / "graders" / exercise / "reference"
    for name in ("solution.py", "solution.ipynb"):
        if (folder / name).exists():
            return folder / name
    raise SystemExit(f"{exercise} has no reference solution in {folder}")


def floor_solution(exercise: str, scratch: Path) -> Path:
    """The reference as a module file: as it is, or converted from the notebook as the platform does."""
    reference = reference_of(exercise)
    if reference.suffix != ".ipynb":
        return reference
    from sandbox.submission import notebook_to_module

    source, _notes = notebook_to_module(reference.read_bytes(), reference.name)
    target = scratch / f"{exercise.replace('/', '__')}.py"
    target.write_bytes(source)
    return target


def floor(exercise: str, runs: int, scratch: Path) -> list[float]:
    grader_dir = ROOT / "graders" / exercise
    env = {**os.environ, "FLOOR_SOLUTION": str(floor_solution(exercise, scratch)),
           "PYTHONPATH": f"{ROOT / 'bench' / 'host_floor'}:{ROOT / 'sandbox' / 'runners'}",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "floor_plugin", "-p", "no:cacheprovider",
             "--rootdir", str(grader_dir), "-c", os.devnull, str(grader_dir)],
            capture_output=True, text=True, env=env, check=False, cwd=scratch,
        )
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"the floor run of {exercise} failed:\n{result.stdout[-2000:]}")
    return times


def end_to_end(exercise: str, runs: int, gap: float) -> list[float]:
    from django.contrib.auth import get_user_model

    from catalog.models import Exercise
    from grading.intake import submission_create
    from grading.models import GradingRun

    user, _ = get_user_model().objects.get_or_create(username="bench-student")
    target = Exercise.objects.get(slug=exercise)
    reference = reference_of(exercise)
    uploads = {reference.name: reference.read_bytes()}
    latencies = []
    for index in range(runs + 1):
        submission = submission_create(student=user, exercise=target, uploads=uploads)
        run = GradingRun.objects.get(submission=submission)
        deadline = time.monotonic() + 180
        while not run.is_final:
            if time.monotonic() > deadline:
                raise SystemExit(f"run {run.pk} of {exercise} did not finish")
            time.sleep(0.02)
            run.refresh_from_db()
        if run.status != "graded" or run.score != run.max_score:
            raise SystemExit(f"run {run.pk} of {exercise} ended {run.status} with {run.score}: {run.messages}")
        if index:  # the first run warms the worker (and the image's page cache) up
            latencies.append((run.finished_at - submission.created_at).total_seconds())
        time.sleep(gap)
    return latencies


def run(
    report: Report, *, runs: int, exercises: list[str], gap: float = 1.0
) -> tuple[dict[str, list[float] | None], dict[str, list[float]]]:
    """Floors first (host only), then each exercise end to end through one worker of concurrency 1.
    Returns the floor times and the end-to-end latencies by exercise."""
    from catalog.services import exercises_sync

    heading(f"a. end-to-end latency, upload -> committed score (1 worker, concurrency 1, {runs} runs each, "
            f"{gap:g} s apart)")
    print(f"  {apply_warm_pool_option(None)}")
    exercises_sync()
    floors: dict[str, list[float] | None] = {}
    with tempfile.TemporaryDirectory(prefix="gradient-floor-") as scratch:
        for exercise in exercises:
            if exercise.startswith("deep-learning/") and importlib.util.find_spec("torch") is None:
                print(f"  {exercise}: torch is not importable on the host, so there is no floor "
                      "(scripts/bench installs torch==2.13.0 into the venv)")
                floors[exercise] = None
                continue
            floors[exercise] = floor(exercise, runs, Path(scratch))
    purge_queue("cpu,cpu-long")
    worker = start_worker("latency", concurrency=1)
    latencies: dict[str, list[float]] = {}
    try:
        for exercise in exercises:
            e2e = latencies[exercise] = end_to_end(exercise, runs, gap)
            floor_times = floors[exercise]
            print(f"  {exercise} ({EXERCISES.get(exercise, 'other')}):")
            if floor_times:
                print(summary("floor (plain pytest on the host)", floor_times))
            print(summary("upload -> committed score", e2e))
            p50, p95 = percentile(e2e, 50), percentile(e2e, 95)
            value = f"p50 {p50:.3f}s  p95 {p95:.3f}s"
            if floor_times:
                f50, f95 = percentile(floor_times, 50), percentile(floor_times, 95)
                print(f"  {'ratio e2e/floor':<44} p50 {p50 / f50:.2f}x ({p50 - f50:+.3f}s)  p95 {p95 / f95:.2f}x")
                report.add("a. latency", exercise, value, f"floor p50 {f50:.3f}s p95 {f95:.3f}s",
                           f"{p50 / f50:.2f}x / {p95 / f95:.2f}x")
            else:
                report.add("a. latency", exercise, value, "no floor (torch missing)", "-")
    finally:
        stop_worker(worker)
    print(f"  pairs: {pairs_used(['latency'])} (the first run of each exercise, plus its warm-up, starts cold)")
    return floors, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--exercise", action="append", help="repeat for several (default: the four)")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between a result and the next upload")
    add_warm_pool_option(parser)
    args = parser.parse_args()
    apply_warm_pool_option(args.warm_pool)
    django_setup()
    report = Report()
    run(report, runs=args.runs, exercises=args.exercise or list(EXERCISES), gap=args.gap)
    print()
    print(report.table())


if __name__ == "__main__":
    main()
