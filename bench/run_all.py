"""Every benchmark, one after the other, then one summary table. Run by scripts/bench.

    scripts/bench [--runs 20] [--only latency,throughput,otter,pages] [--submissions 60] [--page-requests 50]
                  [--gap 1.0] [--warm-pool N]

a. latency:    upload -> committed score p50/p95 for four exercises, against plain pytest on the host
b. throughput: graded submissions per second over the REST API, 1 worker and 2 workers
c. otter:      the same notebook graded by Otter-Grader's `otter run` and by Gradient
d. pages:      leaderboard and gradebook page times with 1,000,000 submissions in the database
e. mixed:      short and long runs at once: one queue against a separate queue for the long ones
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import latency  # noqa: E402 - bench/ is a folder of scripts, not a package
import mixed  # noqa: E402
import otter_compare  # noqa: E402
import pages  # noqa: E402
import throughput  # noqa: E402
from common import Report, add_warm_pool_option, apply_warm_pool_option, django_setup, percentile  # noqa: E402

SECTIONS = ("latency", "throughput", "otter", "pages", "mixed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per exercise (a.) and per grader (c.)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)}")
    parser.add_argument("--exercise", action="append", help="latency: repeat for several (default: the four)")
    parser.add_argument("--submissions", type=int, default=60, help="throughput: submissions per worker count")
    parser.add_argument("--students", type=int, default=40, help="throughput: simulated students")
    parser.add_argument("--clients", type=int, default=8, help="throughput: client threads posting at once")
    parser.add_argument("--concurrency", type=int, default=1, help="throughput: runs each worker takes at once")
    parser.add_argument("--page-requests", type=int, default=50, help="pages: GETs per page")
    parser.add_argument("--page-budget-s", type=float, default=60.0, help="pages: stop a slow page after this")
    parser.add_argument("--short", type=int, default=36, help="mixed: trivial submissions in the burst")
    parser.add_argument("--long", type=int, default=12, help="mixed: torch submissions in the burst")
    parser.add_argument("--gap", type=float, default=1.0, help="latency: seconds between a result and the next upload")
    add_warm_pool_option(parser)
    args = parser.parse_args()
    apply_warm_pool_option(args.warm_pool)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    django_setup()
    from catalog.services import exercises_sync

    exercises_sync()
    report = Report()
    started = time.monotonic()
    timings: dict[str, float] = {}
    floors: dict[str, list[float] | None] = {}
    e2e: dict[str, list[float]] = {}
    if "latency" in only:
        start = time.monotonic()
        floors, e2e = latency.run(report, runs=args.runs, exercises=args.exercise or list(latency.EXERCISES),
                                  gap=args.gap)
        timings["latency"] = time.monotonic() - start
    if "throughput" in only:
        start = time.monotonic()
        trivial_floor = floors.get(throughput.EXERCISE)
        throughput.run(report, count=args.submissions, students=args.students, clients=args.clients,
                       floor_p50=percentile(trivial_floor, 50) if trivial_floor else None,
                       concurrency=args.concurrency)
        timings["throughput"] = time.monotonic() - start
    if "otter" in only:
        start = time.monotonic()
        notebook_e2e = e2e.get(otter_compare.EXERCISE)
        otter_compare.run(report, runs=max(3, args.runs // 4),
                          e2e_p50=percentile(notebook_e2e, 50) if notebook_e2e else None)
        timings["otter"] = time.monotonic() - start
    if "pages" in only:
        start = time.monotonic()
        pages.run(report, requests_n=args.page_requests, budget_s=args.page_budget_s)
        timings["pages"] = time.monotonic() - start

    if "mixed" in only:
        start = time.monotonic()
        mixed.run(report, short_n=args.short, long_n=args.long)
        timings["mixed"] = time.monotonic() - start

    print("\n=== summary (ratios: value / reference measured in the same run)\n")
    print(report.table())
    spent = ", ".join(f"{name} {seconds:.0f}s" for name, seconds in timings.items())
    print(f"\nwall time: {time.monotonic() - started:.0f}s ({spent})")


if __name__ == "__main__":
    main()
