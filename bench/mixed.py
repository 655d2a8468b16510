"""Short and long runs together: what a separate queue for the long ones does for the short ones' latency.

    python bench/mixed.py [--short 36] [--long 12]

A burst of trivial submissions (well under a second each) mixed with torch ones (seconds each: the `ml`
image), one long after every few short, graded by two workers (concurrency 1 each) in two set-ups:
- one queue: every run in "cpu", both workers take it (GRADING_LONG_QUEUE_IMAGES empty);
- two queues: torch runs in "cpu-long"; one worker takes "cpu,cpu-long", the other only "cpu".
For each: upload -> committed score of the short and of the long runs (p50/p95) and the time for all.
Submissions are created by the service the API calls (one transaction each, task sent on commit).
"""

from __future__ import annotations

import argparse
import sys
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
    percentile,
    purge_queue,
    start_worker,
    stop_worker,
    summary,
    wait_final,
)

SHORT = "python-foundations/word-frequencies"
LONG = "deep-learning/tensors-autograd"
SETUPS = {
    "one queue": {"long_images": [], "workers": ["cpu,cpu-long", "cpu,cpu-long"]},
    "two queues": {"long_images": ["ml"], "workers": ["cpu,cpu-long", "cpu"]},
}


def burst(short_n: int, long_n: int) -> tuple[list[int], list[int]]:
    """Create the submissions (a long one after every few short ones); returns the run ids of each kind."""
    from django.contrib.auth import get_user_model

    from catalog.models import Exercise
    from grading.intake import submission_create
    from grading.models import GradingRun

    user, _ = get_user_model().objects.get_or_create(username="bench-mixed")
    exercises = {slug: Exercise.objects.get(slug=slug) for slug in (SHORT, LONG)}
    sources = {slug: (ROOT / "graders" / slug / "reference" / "solution.py").read_bytes() for slug in exercises}
    every = max(1, short_n // max(1, long_n))
    order = []
    shorts, longs = short_n, long_n
    while shorts or longs:
        for _ in range(every):
            if shorts:
                order.append(SHORT)
                shorts -= 1
        if longs:
            order.append(LONG)
            longs -= 1
    runs: dict[str, list[int]] = {SHORT: [], LONG: []}
    for slug in order:
        submission = submission_create(student=user, exercise=exercises[slug], uploads={"solution.py": sources[slug]})
        runs[slug].append(GradingRun.objects.get(submission=submission).pk)
    return runs[SHORT], runs[LONG]


def latencies(run_ids: list[int]) -> list[float]:
    from grading.models import GradingRun

    runs = GradingRun.objects.filter(pk__in=run_ids).select_related("submission")
    bad = [(r.pk, r.status) for r in runs if r.status != "graded" or r.score != r.max_score]
    if bad:
        raise SystemExit(f"runs not graded with full marks: {bad[:5]}")
    return [(r.finished_at - r.submission.created_at).total_seconds() for r in runs]


def measure(setup: str, short_n: int, long_n: int) -> dict[str, object]:
    from django.conf import settings

    config = SETUPS[setup]
    settings.GRADING_LONG_QUEUE_IMAGES = config["long_images"]
    purge_queue("cpu,cpu-long")
    names = [f"mixed-{index}" for index in range(len(config["workers"]))]
    workers = [start_worker(name, queue=queues) for name, queues in zip(names, config["workers"], strict=True)]
    try:
        # One of each first, so that every worker has its boxes warm for both kinds, as in a running system.
        warm_short, warm_long = burst(2, 2)
        wait_final(warm_short + warm_long, 180)
        started = time.monotonic()
        short_ids, long_ids = burst(short_n, long_n)
        wait_final(short_ids + long_ids, 120 + 10 * (short_n + long_n))
        span = time.monotonic() - started
    finally:
        for worker in workers:
            stop_worker(worker)
    return {"short": latencies(short_ids), "long": latencies(long_ids), "span": span}


def run(report: Report, *, short_n: int, long_n: int) -> None:
    heading(f"e. short and long runs together: {short_n} trivial + {long_n} torch submissions at once, 2 workers")
    print(f"  {apply_warm_pool_option(None)}")
    results = {}
    for setup in SETUPS:
        result = results[setup] = measure(setup, short_n, long_n)
        print(f"  {setup} (workers: {' | '.join(SETUPS[setup]['workers'])}): all graded in {result['span']:.1f}s")
        print(summary("short (trivial) upload -> committed score", result["short"]))  # type: ignore[arg-type]
        print(summary("long (torch) upload -> committed score", result["long"]))  # type: ignore[arg-type]
    base = results["one queue"]
    for setup, result in results.items():
        short, long_ = result["short"], result["long"]
        ref = "" if setup == "one queue" else "one queue"
        ratio = "" if setup == "one queue" else (
            f"{percentile(short, 50) / percentile(base['short'], 50):.2f}x short p50"  # type: ignore[arg-type]
        )
        report.add("e. mixed", f"{setup}: short / long p50, p95",
                   f"{percentile(short, 50):.2f}s/{percentile(long_, 50):.2f}s, "  # type: ignore[arg-type]
                   f"{percentile(short, 95):.2f}s/{percentile(long_, 95):.2f}s",  # type: ignore[arg-type]
                   ref, ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=36)
    parser.add_argument("--long", type=int, default=12)
    add_warm_pool_option(parser)
    args = parser.parse_args()
    apply_warm_pool_option(args.warm_pool)
    django_setup()
    from catalog.services import exercises_sync

    exercises_sync()
    report = Report()
    run(report, short_n=args.short, long_n=args.long)
    print()
    print(report.table())


if __name__ == "__main__":
    main()
