"""Throughput: graded submissions per second, with 1 worker and with 2 workers, submitted over the REST API.

    python bench/throughput.py [--submissions 60] [--students 40] [--clients 8]

A pool of simulated students, each with an API token, POST the trivial exercise's reference to
/api/v1/submissions/ on a web server started here on 127.0.0.1 (gunicorn, or runserver without it), from
several client threads at once. Celery worker processes (concurrency 1 each, or --concurrency) grade them in the Docker
sandbox. Throughput = submissions / (last run finished - first submission created), from the database's
timestamps; each submission's latency is finished - created as in bench/latency.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402 - bench/ is a folder of scripts, not a package
    ROOT,
    CpuMeter,
    Report,
    add_warm_pool_option,
    apply_warm_pool_option,
    django_setup,
    heading,
    pairs_used,
    percentile,
    purge_queue,
    start_web,
    start_worker,
    stop_worker,
    summary,
    wait_final,
)

EXERCISE = "python-foundations/word-frequencies"
SOURCE = (ROOT / "graders" / EXERCISE / "reference" / "solution.py").read_bytes()


def student_tokens(count: int) -> list[str]:
    from django.contrib.auth import get_user_model

    from web import tokens as api_tokens

    users = get_user_model()
    tokens = []
    for index in range(count):
        user, _ = users.objects.get_or_create(username=f"bench-tp-{index:03d}")
        api_tokens.revoke_all(user)  # the last run's, so that runs never pile them up
        tokens.append(api_tokens.issue(user, name="bench")[1])
    return tokens


def post_submissions(url: str, tokens: list[str], count: int, clients: int) -> tuple[list[dict], list[float]]:
    """POST `count` submissions from `clients` threads, student after student; returns bodies and times."""
    import requests

    def one(index: int) -> tuple[dict, float]:
        token = tokens[index % len(tokens)]
        start = time.perf_counter()
        response = requests.post(
            f"{url}/api/v1/submissions/",
            data={"exercise": EXERCISE},
            files=[("files", ("solution.py", SOURCE, "text/x-python"))],
            headers={"Authorization": f"Token {token}"},
            timeout=60,
        )
        elapsed = time.perf_counter() - start
        if response.status_code != 201:
            raise SystemExit(f"POST /api/v1/submissions/ answered {response.status_code}: {response.text[:500]}")
        return response.json(), elapsed

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(one, range(count)))
    return [body for body, _ in results], [elapsed for _, elapsed in results]


def measure(
    url: str, tokens: list[str], *, workers: int, count: int, clients: int, concurrency: int = 1
) -> dict[str, object]:
    from grading.models import GradingRun

    purge_queue("cpu")
    names = [f"throughput-{workers}-{index}" for index in range(workers)]
    processes = [start_worker(name, concurrency=concurrency) for name in names]
    try:
        warm, _ = post_submissions(url, tokens, workers * concurrency, workers * concurrency)  # each worker's first run is slower
        wait_final([body["run"]["id"] for body in warm], 120)
        with CpuMeter() as cpu:
            bodies, post_times = post_submissions(url, tokens, count, clients)
            run_ids = [body["run"]["id"] for body in bodies]
            wait_final(run_ids, 60 + 5 * count / workers)
    finally:
        for process in processes:
            stop_worker(process)
    runs = list(GradingRun.objects.filter(pk__in=run_ids).select_related("submission"))
    bad = [(r.pk, r.status, r.score) for r in runs if r.status != "graded" or r.score != r.max_score]
    if len(runs) != count or bad:
        raise SystemExit(f"expected {count} graded runs with full marks; got {len(runs)}, not right: {bad[:5]}")
    first = min(r.submission.created_at for r in runs)
    last = max(r.finished_at for r in runs)
    span = (last - first).total_seconds()
    latencies = [(r.finished_at - r.submission.created_at).total_seconds() for r in runs]
    return {"workers": workers, "span": span, "rate": count / span, "latencies": latencies, "posts": post_times,
            "pairs": pairs_used(names), "cpu_per_run": cpu.platform / count, "generator_per_run": cpu.own / count,
            "busy_cores": cpu.machine / span, "parts": {part: s / count for part, s in cpu.parts.items()}}


def own_floor(runs: int = 10, label: str = "") -> list[float]:
    """Times of the trivial exercise's hidden tests with plain pytest on the host (bench/latency.py's floor)."""
    import tempfile

    import latency

    with tempfile.TemporaryDirectory(prefix="gradient-floor-") as scratch:
        times = latency.floor(EXERCISE, runs, Path(scratch))
    print(summary(f"host floor (plain pytest, one process){label}", times))
    return times


def cpu_parts_line(parts: dict[str, float]) -> str:
    """Where one run's CPU went, the largest parts first (bench/common.py, PARTS)."""
    shown = [f"{part} {seconds * 1000:.0f} ms" for part, seconds in sorted(parts.items(), key=lambda p: -p[1])
             if seconds >= 0.0005]
    return "  CPU per run by part: " + ", ".join(shown)


def run(
    report: Report, *, count: int, students: int, clients: int, floor_p50: float | None, concurrency: int = 1
) -> None:
    heading(f"b. throughput: {count} trivial submissions over the REST API, {students} students, "
            f"{clients} client threads")
    # Run alone (--only throughput), it measures its own floor: before the workers and again after them,
    # since this machine's speed drifts by a quarter within minutes; the p50 of both halves is the floor.
    floor_times = own_floor(label=", before") if floor_p50 is None else []
    tokens = student_tokens(students)
    web = start_web()
    print(f"  web: {web.kind} at {web.url}; {apply_warm_pool_option(None)}")
    results = []
    try:
        for workers in (1, 2):
            result = measure(web.url, tokens, workers=workers, count=count, clients=clients, concurrency=concurrency)
            results.append(result)
            print(f"  {workers} worker(s), concurrency {concurrency} each: {count} graded in {result['span']:.2f}s = "
                  f"{result['rate']:.2f} submissions/s ({result['pairs']}, warm-up runs included)")
            print(f"  CPU per run, the whole machine less the load generator: {result['cpu_per_run']:.3f} s "
                  f"(the generator: {result['generator_per_run']:.3f} s per run; "
                  f"{result['busy_cores']:.2f} cores busy on average)")
            print(cpu_parts_line(result["parts"]))  # type: ignore[arg-type]
            print(summary("per-submission upload -> committed score", result["latencies"]))  # type: ignore[arg-type]
            print(summary("POST /api/v1/submissions/ (client side)", result["posts"], "ms"))  # type: ignore[arg-type]
    finally:
        web.stop()
    if floor_times:
        floor_times += own_floor(label=", after")
        floor_p50 = percentile(floor_times, 50)
        print(summary("host floor, both halves", floor_times))
    one, two = results
    speedup = two["rate"] / one["rate"]  # type: ignore[operator]
    print(f"  {'ratio 2 workers / 1 worker':<44} {speedup:.2f}x")
    for result in results:
        workers = result["workers"]
        if floor_p50:
            ceiling = workers / floor_p50  # the same tests on the host, one fresh pytest per process
            print(f"  {workers} worker(s) vs the host floor ({workers} x 1/{floor_p50:.3f}s = {ceiling:.2f}/s): "
                  f"{result['rate'] / ceiling:.2f}x")  # type: ignore[operator]
            reference, ratio = f"floor {ceiling:.2f}/s", f"{result['rate'] / ceiling:.2f}x"  # type: ignore[operator]
        else:
            reference, ratio = "", ""
        lat = result["latencies"]
        report.add("b. throughput", f"{workers} worker(s), {count} submissions",
                   f"{result['rate']:.2f}/s (lat p50 {percentile(lat, 50):.2f}s p95 {percentile(lat, 95):.2f}s)",  # type: ignore[arg-type]
                   reference, ratio)
    report.add("b. throughput", "2 workers / 1 worker", f"{speedup:.2f}x", "1 worker", f"{speedup:.2f}x")
    for result in results:
        report.add("b. throughput", f"CPU per run, {result['workers']} worker(s) (machine less load generator)",
                   f"{result['cpu_per_run']:.3f} s ({result['busy_cores']:.2f} cores busy)",
                   f"generator {result['generator_per_run']:.3f} s", "")
        for part, seconds in sorted(result["parts"].items(), key=lambda p: -p[1]):  # type: ignore[attr-defined]
            report.add("b. throughput", f"  of which {part}", f"{seconds * 1000:.0f} ms", "", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=1, help="runs each worker takes at once")
    add_warm_pool_option(parser)
    args = parser.parse_args()
    apply_warm_pool_option(args.warm_pool)
    django_setup()
    from catalog.services import exercises_sync

    exercises_sync()
    report = Report()
    run(report, count=args.submissions, students=args.students, clients=args.clients, floor_p50=None,
        concurrency=args.concurrency)
    print()
    print(report.table())


if __name__ == "__main__":
    main()
