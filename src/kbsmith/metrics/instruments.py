"""Counters and histograms observed where things happen, in whichever process runs them.

With ``PROMETHEUS_MULTIPROC_DIR`` set before this module is first imported (``kbsmith serve``
sets it for itself and its worker processes), each process writes its values to files there
and ``/metrics`` adds them up: one registry across processes. Without it the values are the
process's own.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

JOB_SECONDS = Histogram(
    "kbsmith_job_duration_seconds",
    "Seconds one attempt of a job ran, by kind.",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
FETCH_ERRORS = Counter(
    "kbsmith_fetch_errors_total", "Failed fetches of sources, by cause.", ["cause"]
)
EXTRACTIONS = Counter(
    "kbsmith_extractions_total",
    "Fetched bodies of sources, by outcome: extracted, or skipped because their bytes were "
    "those last extracted (a server that ignores conditional requests).",
    ["outcome"],
)
GENERATION_OPERATIONS = Counter(
    "kbsmith_generation_operations_total",
    "Generation jobs saved, by the operation chosen.",
    ["operation"],
)
WEBHOOK_ATTEMPT_FAILURES = Counter(
    "kbsmith_webhook_attempt_failures_total",
    "Webhook delivery attempts that failed (status, network, blocked).",
)
