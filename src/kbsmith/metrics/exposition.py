"""The Prometheus text of one scrape: this process's (or every process's) instruments and the
database's snapshot."""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kbsmith.metrics import instruments
from kbsmith.metrics.snapshot import Snapshot

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
STATUS_NAMES = {"PENDING": "queued", "IN_PROGRESS": "running", "FAILED": "failed"}


class _SnapshotCollector(Collector):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily(
            "kbsmith_jobs", "Jobs queued, running and failed, by kind.", labels=["kind", "state"]
        )
        for (kind, status), count in sorted(self.snapshot.jobs.items()):
            jobs.add_metric([kind, STATUS_NAMES.get(status, status.lower())], count)
        yield jobs
        yield GaugeMetricFamily(
            "kbsmith_questions_last_hour", "Questions asked in the last hour.",
            value=self.snapshot.questions,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "kbsmith_questions_unanswered_share_last_hour",
            "Share of the last hour's questions that got no answer.",
            value=self.snapshot.unanswered_share,
        )
        yield GaugeMetricFamily(
            "kbsmith_ask_seconds_avg_last_hour",
            "Mean seconds to answer a question, over the last hour.",
            value=self.snapshot.ask_seconds_avg,
        )
        yield GaugeMetricFamily(
            "kbsmith_webhook_deliveries_failed",
            "Webhook deliveries given up after a day of retries (or refused at once).",
            value=self.snapshot.webhook_deliveries_failed,
        )


def render(snapshot: Snapshot) -> bytes:
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_VARIABLE):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in _instrument_collectors():
            registry.register(collector)
    registry.register(_SnapshotCollector(snapshot))
    return generate_latest(registry)


def _instrument_collectors() -> list[Collector]:
    return [
        instruments.JOB_SECONDS,
        instruments.FETCH_ERRORS,
        instruments.GENERATION_OPERATIONS,
        instruments.WEBHOOK_ATTEMPT_FAILURES,
    ]
