"""What Prometheus scrapes from /metrics: the grading queue and its results, read from PostgreSQL.

Workers run on several hosts and are restarted often, so counters kept in their memory would be lost and
scattered. Every figure here is read from the runs table when Prometheus scrapes, by whichever web process
answers, so any web process gives the same answer. Counters are counts of rows that only grow (runs are not
deleted while a course runs); gauges are the queue as it is now. docs/operations.md lists the alerts worth
setting on them.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from grading.models import FINAL_STATUSES, GradingRun, RunStatus

# Seconds from a run's claim to its result: short exercises end in about a second, ML ones in tens.
DURATION_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 900.0)
# A worker counts as seen when it claimed a run this recently.
WORKER_WINDOW = timedelta(days=1)


class GradingCollector(Collector):
    """One scrape: a handful of aggregate queries over grading runs (each indexed or a single scan)."""

    def collect(self) -> Iterator[Metric]:
        runs = GradingRun.objects.all()
        now = timezone.now()

        depth = GaugeMetricFamily(
            "gradient_queue_depth", "Runs waiting for a worker (held: kept back by the fair queue).",
            labels=["queue", "held"],
        )
        for waiting in runs.filter(status=RunStatus.QUEUED).values("queue", "held").annotate(n=Count("id")):
            depth.add_metric([waiting["queue"], str(waiting["held"]).lower()], waiting["n"])
        yield depth

        oldest = GaugeMetricFamily(
            "gradient_queue_oldest_seconds", "Age of the oldest run still waiting, per queue.", labels=["queue"]
        )
        for first in runs.filter(status=RunStatus.QUEUED).values("queue").annotate(first=Min("created_at")):
            oldest.add_metric([first["queue"]], max(0.0, (now - first["first"]).total_seconds()))
        yield oldest

        running = GaugeMetricFamily("gradient_runs_running", "Runs a worker is grading now.", labels=["queue"])
        lapsed = GaugeMetricFamily(
            "gradient_runs_lease_lapsed",
            "Runs marked running whose worker stopped renewing the lease (the sweeper sends them again).",
            labels=["queue"],
        )
        for busy in runs.filter(status=RunStatus.RUNNING).values("queue").annotate(
            n=Count("id"), lapsed=Count("id", filter=Q(lease_expires_at__lt=now))
        ):
            running.add_metric([busy["queue"]], busy["n"])
            lapsed.add_metric([busy["queue"]], busy["lapsed"])
        yield running
        yield lapsed

        finished = runs.filter(status__in=FINAL_STATUSES)
        ended = CounterMetricFamily(
            "gradient_runs_finished", "Runs that ended, by how (infrastructure_error: ours, never charged).",
            labels=["queue", "status"],
        )
        for end in finished.values("queue", "status").annotate(n=Count("id")):
            ended.add_metric([end["queue"], end["status"]], end["n"])
        yield ended

        boxes = CounterMetricFamily(
            "gradient_runs_boxes", "Ended runs by where their boxes came from (warm: the worker's pool).",
            labels=["queue", "start"],
        )
        redelivered = CounterMetricFamily(
            "gradient_run_redeliveries",
            "Deliveries beyond each run's first: retries after our failures and runs of lost workers.",
            labels=["queue"],
        )
        for per_queue in runs.values("queue").annotate(
            warm=Count("id", filter=Q(warm_start=True)),
            cold=Count("id", filter=Q(warm_start=False)),
            extra=Sum("deliveries", filter=Q(deliveries__gt=1)),
            extra_runs=Count("id", filter=Q(deliveries__gt=1)),
        ):
            boxes.add_metric([per_queue["queue"], "warm"], per_queue["warm"])
            boxes.add_metric([per_queue["queue"], "cold"], per_queue["cold"])
            redelivered.add_metric([per_queue["queue"]], (per_queue["extra"] or 0) - per_queue["extra_runs"])
        yield boxes
        yield redelivered

        yield self._durations(finished)

        seen = GaugeMetricFamily(
            "gradient_worker_last_claim_timestamp_seconds",
            "When each worker last claimed a run (workers seen in the last day).", labels=["worker"],
        )
        for host in (
            runs.filter(started_at__gte=now - WORKER_WINDOW).exclude(worker="")
            .values("worker").annotate(last=Max("started_at"))
        ):
            seen.add_metric([host["worker"]], host["last"].timestamp())
        yield seen

    @staticmethod
    def _durations(finished: object) -> HistogramMetricFamily:
        histogram = HistogramMetricFamily(
            "gradient_run_duration_seconds", "Time from a worker's claim to the run's result.", labels=["queue"]
        )
        timed = finished.exclude(duration_s=None)  # type: ignore[attr-defined]
        counts = {f"le{i}": Count("id", filter=Q(duration_s__lte=bound)) for i, bound in enumerate(DURATION_BUCKETS)}
        for timing in timed.values("queue").annotate(total=Count("id"), seconds=Sum("duration_s"), **counts):
            buckets = [(str(bound), timing[f"le{i}"]) for i, bound in enumerate(DURATION_BUCKETS)]
            buckets.append(("+Inf", timing["total"]))
            histogram.add_metric([timing["queue"]], buckets, sum_value=timing["seconds"] or 0.0)
        return histogram


def metrics_view(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus's text format, for a scraper that sends METRICS_TOKEN as a bearer token.

    Unset, the address does not exist (404). The token keeps the queue's figures from the public; compared in
    constant time."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GradingCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
