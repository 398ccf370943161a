"""/metrics and `kbsmith status`: jobs per kind and state from the database, the instruments
of every process (one registry across `kbsmith serve`'s worker processes)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kbsmith.db.database import Database
from kbsmith.jobs import queue
from kbsmith.workspaces.service import get_or_create_workspace
from tests.support.cli import (
    free_port,
    help_site,
    ingest_through,
    migrated_env,
    read_write_key,
    start_serve,
    wait_until_up,
)
from tests.support.processes import run_kbsmith, stop


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_jobs_per_kind_and_state(
    client: httpx.AsyncClient, db: Database
) -> None:
    async with db.write() as session:
        workspace = await get_or_create_workspace(session, "watched")
        queue.enqueue_many(session, "source.ingest", [{}, {}], workspace_id=workspace.id)
        queue.record_failed(session, "webhook.deliver", {}, "gone", workspace_id=workspace.id)

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert found[("kbsmith_jobs", (("kind", "source.ingest"), ("state", "queued")))] == 2
    assert found[("kbsmith_jobs", (("kind", "webhook.deliver"), ("state", "failed")))] == 1
    assert found[("kbsmith_questions_unanswered_share_last_hour", ())] == 0
    assert ("kbsmith_webhook_deliveries_failed", ()) in found


@pytest.mark.slow
def test_status_prints_the_same_at_a_glance(tmp_path: Path) -> None:
    queued = run_kbsmith(tmp_path, "ingest", "https://example.com/a", "--workspace", "acme")
    assert queued.returncode == 0, queued.stderr
    shown = run_kbsmith(tmp_path, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["jobs"] == {"source.ingest": {"PENDING": 1}}
    table = run_kbsmith(tmp_path, "status")
    assert "source.ingest" in table.stdout and "questions in the last hour: 0" in table.stdout


@pytest.mark.slow
def test_metrics_add_up_the_worker_processes(tmp_path: Path, database_url: str) -> None:
    env = migrated_env(tmp_path, database_url)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    headers = {"Authorization": f"Bearer {read_write_key(env)}"}
    port = free_port()
    server = start_serve(env, port, "--worker-processes", "2")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        with help_site() as site:
            document = ingest_through(base, headers, site.url("/help"))
        assert document["linkedJobStatus"] == "COMPLETED"
        found = samples(httpx.get(f"{base}/metrics").text)
    finally:
        stop(server)  # type: ignore[arg-type]
    # the job ran in a worker process; the API process's /metrics reports it
    assert found[("kbsmith_job_duration_seconds_count", (("kind", "source.ingest"),))] >= 1
    assert os.listdir(tmp_path / "data" / "metrics")
