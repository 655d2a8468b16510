"""End-to-end latency of one exercise, from upload to committed score, against the bare floor.

    scripts/bench [--runs 20] [--exercise python-foundations/word-frequencies]

Real parts: the submission is created by the same service the API calls (one transaction, task sent on
commit to Redis), a real Celery worker process grades it in the Docker sandbox and commits to PostgreSQL.
Latency = run.finished_at - submission.created_at (both stamped by the database writes), so polling adds
nothing. The floor: the same hidden tests run with plain pytest on the host against the reference solution,
in one process, no sandbox (a fresh interpreter per run, as a worker would need for isolation).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(label: str, values: list[float]) -> str:
    return (f"{label:<34} n={len(values):<3} p50={percentile(values, 50):.3f}s  p95={percentile(values, 95):.3f}s  "
            f"min={min(values):.3f}s  mean={statistics.fmean(values):.3f}s")


def floor(exercise: str, runs: int) -> list[float]:
    grader_dir = ROOT / "graders" / exercise
    env = {**os.environ, "FLOOR_SOLUTION": str(grader_dir / "reference" / "solution.py"),
           "PYTHONPATH": f"{ROOT / 'bench' / 'host_floor'}:{ROOT / 'sandbox' / 'runners'}",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "floor_plugin", "-p", "no:cacheprovider",
             "--rootdir", str(grader_dir), "-c", os.devnull, str(grader_dir)],
            capture_output=True, text=True, env=env, check=False,
        )
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"the floor run failed:\n{result.stdout[-2000:]}")
    return times


def end_to_end(exercise: str, runs: int) -> list[float]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from catalog.models import Exercise
    from catalog.services import exercises_sync
    from grading.models import GradingRun
    from grading.services import submission_create

    exercises_sync()
    user, _ = get_user_model().objects.get_or_create(username="bench-student")
    target = Exercise.objects.get(slug=exercise)
    source = (ROOT / "graders" / exercise / "reference" / "solution.py").read_bytes()
    latencies = []
    for index in range(runs + 1):
        submission = submission_create(student=user, exercise=target, uploads={"solution.py": source})
        run = GradingRun.objects.get(submission=submission)
        deadline = time.monotonic() + 120
        while not run.is_final:
            if time.monotonic() > deadline:
                raise SystemExit(f"run {run.pk} did not finish")
            time.sleep(0.02)
            run.refresh_from_db()
        if run.status != "graded" or run.score != run.max_score:
            raise SystemExit(f"run {run.pk} ended {run.status} with {run.score}: {run.messages}")
        if index:  # the first run warms the worker up
            latencies.append((run.finished_at - submission.created_at).total_seconds())
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--exercise", default="python-foundations/word-frequencies")
    args = parser.parse_args()
    floor_times = floor(args.exercise, args.runs)
    e2e_times = end_to_end(args.exercise, args.runs)
    print(f"exercise: {args.exercise}")
    print(summary("floor (plain pytest on the host)", floor_times))
    print(summary("upload -> committed score", e2e_times))
    p50_floor, p50_e2e = percentile(floor_times, 50), percentile(e2e_times, 50)
    print(f"ratio p50 e2e/floor: {p50_e2e / p50_floor:.2f}x   p50 above the floor: {p50_e2e - p50_floor:+.3f}s")


if __name__ == "__main__":
    main()
