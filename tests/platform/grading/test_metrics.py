"""/metrics: Prometheus's text format, read from the runs table, behind a bearer token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from grading.models import GradingRun, RunStatus
from tests.support.factories import GradingRunFactory as RunFactory

pytestmark = pytest.mark.django_db

TOKEN = "scrape-me-please"


def scrape(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.fixture
def token(settings):  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def test_without_a_configured_token_the_address_does_not_exist(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"bearer {TOKEN}", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_a_scraper_without_the_token_is_refused(client: Client, token: str, header: str | None) -> None:
    kwargs = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"gradient_" not in response.content


def test_the_queue_and_the_results_as_prometheus_reads_them(client: Client, token: str, synced_exercise) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()

    def GradingRunFactory(**fields):  # type: ignore[no-untyped-def]  # noqa: N802 - the factory, of this exercise
        return RunFactory(submission__exercise=synced_exercise, **fields)

    waiting = GradingRunFactory(queue="cpu")
    GradingRun.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(seconds=90))
    GradingRunFactory(queue="cpu", held=True)
    GradingRunFactory(queue="cpu-long")
    GradingRunFactory(queue="cpu", status=RunStatus.RUNNING, lease_expires_at=now + timedelta(minutes=1),
                      started_at=now, worker="host-a")
    GradingRunFactory(queue="cpu", status=RunStatus.RUNNING, lease_expires_at=now - timedelta(minutes=1),
                      started_at=now - timedelta(minutes=5), worker="host-b")
    for seconds, warm in ((0.3, True), (1.5, True), (7.0, False)):
        GradingRunFactory(graded=True, queue="cpu", duration_s=seconds, warm_start=warm, worker="host-a",
                          started_at=now - timedelta(minutes=2))
    GradingRunFactory(graded=True, queue="cpu-long", duration_s=40.0, warm_start=False, worker="host-b",
                      deliveries=3)
    GradingRunFactory(queue="cpu-long", status=RunStatus.INFRASTRUCTURE_ERROR, deliveries=2,
                      finished_at=now, duration_s=0.0)
    GradingRunFactory(queue="cpu", status=RunStatus.TIMEOUT, duration_s=20.0, warm_start=True)

    samples = scrape(client)

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert value("gradient_queue_depth", queue="cpu", held="false") == 1
    assert value("gradient_queue_depth", queue="cpu", held="true") == 1
    assert value("gradient_queue_depth", queue="cpu-long", held="false") == 1
    assert 89 <= value("gradient_queue_oldest_seconds", queue="cpu") < 200
    assert value("gradient_runs_running", queue="cpu") == 2
    assert value("gradient_runs_lease_lapsed", queue="cpu") == 1
    assert value("gradient_runs_finished_total", queue="cpu", status="graded") == 3
    assert value("gradient_runs_finished_total", queue="cpu", status="timeout") == 1
    assert value("gradient_runs_finished_total", queue="cpu-long", status="graded") == 1
    assert value("gradient_runs_finished_total", queue="cpu-long", status="infrastructure_error") == 1
    assert value("gradient_runs_boxes_total", queue="cpu", start="warm") == 3
    assert value("gradient_runs_boxes_total", queue="cpu", start="cold") == 1
    assert value("gradient_run_redeliveries_total", queue="cpu-long") == 2 + 1
    assert value("gradient_run_redeliveries_total", queue="cpu") == 0
    # Durations: cumulative buckets, count and sum, per queue.
    assert value("gradient_run_duration_seconds_bucket", queue="cpu", le="0.5") == 1
    assert value("gradient_run_duration_seconds_bucket", queue="cpu", le="2.0") == 2
    assert value("gradient_run_duration_seconds_bucket", queue="cpu", le="10.0") == 3
    assert value("gradient_run_duration_seconds_bucket", queue="cpu", le="+Inf") == 4
    assert value("gradient_run_duration_seconds_count", queue="cpu") == 4
    assert value("gradient_run_duration_seconds_sum", queue="cpu") == pytest.approx(0.3 + 1.5 + 7.0 + 20.0)
    assert value("gradient_run_duration_seconds_bucket", queue="cpu-long", le="30.0") == 1  # the 0 s one
    assert value("gradient_run_duration_seconds_bucket", queue="cpu-long", le="60.0") == 2
    # The workers seen, by when they last claimed a run.
    assert value("gradient_worker_last_claim_timestamp_seconds", worker="host-a") == pytest.approx(now.timestamp())
    assert ("gradient_worker_last_claim_timestamp_seconds", (("worker", "host-b"),)) in samples


def test_an_empty_platform_scrapes_cleanly(client: Client, token: str) -> None:
    samples = scrape(client)
    assert not [name for name, _ in samples if name.startswith("gradient_queue_depth")]
