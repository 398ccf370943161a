"""Schedules with real `kbsmith worker` processes sharing one database: each tick runs once,
each change is regenerated and announced once, and a run whose worker is SIGKILLed midway is
completed once by another."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kbsmith.db.database import Database
from kbsmith.generation.service import GENERATE_JOB
from kbsmith.jobs.models import Job
from kbsmith.schedules.models import RunPhase, ScheduleRun
from kbsmith.schedules.service import RUN_JOB
from kbsmith.sources.service import INGEST_JOB
from kbsmith.webhooks.models import WebhookDelivery
from tests.conftest import TEST_SECRET
from tests.schedules.conftest import call, ingested_and_generated, received
from tests.support.changing_site import ChangingSite
from tests.support.processes import REPO_ROOT, stop, worker_environment
from tests.support.receiver import ReceiverServer, subscribe
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


class Workers:
    """`kbsmith worker` processes started and stopped by the test."""

    def __init__(self, database_url: str, log_dir: Path, **settings: object) -> None:
        self.env = worker_environment(
            database_url,
            secret_key=TEST_SECRET,
            fetch_allow_networks="127.0.0.1/32",
            generation_embeddings="false",
            job_poll_interval=0.1,
            schedule_poll_interval=0.1,
            webhook_retry_base=0.1,
            webhook_retry_max=0.5,
            **settings,
        )
        self.log_dir = log_dir
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, count: int = 1) -> list[subprocess.Popen[bytes]]:
        new = []
        for _ in range(count):
            log = (self.log_dir / f"worker-{len(self.started)}.log").open("ab")
            process = subprocess.Popen(
                [sys.executable, "-m", "kbsmith", "worker", "--concurrency", "3"],
                env=self.env,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.started.append(process)
            new.append(process)
        return new

    def stop_all(self) -> None:
        for process in self.started:
            stop(process)


@pytest.fixture
def worker_processes(database_url: str, tmp_path: Path) -> Iterator[Workers]:
    workers = Workers(database_url, tmp_path)
    yield workers
    workers.stop_all()


async def jobs_of(db: Database, kind: str) -> list[Job]:
    async with db.read() as session:
        return list((await session.scalars(select(Job).where(Job.kind == kind))).all())


async def runs_of(db: Database) -> list[ScheduleRun]:
    async with db.read() as session:
        query = select(ScheduleRun).order_by(ScheduleRun.tick_at)
        return list((await session.scalars(query)).all())


async def test_ten_ticks_of_changes_each_regenerated_and_announced_once(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    db: Database,
    site: ChangingSite,
    receiver_server: ReceiverServer,
    worker_processes: Workers,
) -> None:
    worker_processes.start(2)
    receiver = receiver_server.receiver
    ids = await ingested_and_generated(client, headers, site)
    await subscribe(
        client, headers, receiver_server.url, ["draft.created", "schedule.finished"], receiver
    )
    await call(
        client,
        "POST",
        "/v2/schedules/public",
        headers,
        json={"name": "site", "source": "web", "every": "PT2S", "generate": {"isDraft": True}},
    )
    await received(receiver, "schedule.finished", 1, timeout=120)
    changed = [0, 2, 1, 3, 0, 1, 2, 3, 0, 2]  # ten ticks' worth of changes, one at a time
    for round_, page in enumerate(changed, start=1):
        site.change(page)
        announced = await received(receiver, "draft.created", round_, timeout=120)
    total = len(receiver.of_type("schedule.finished"))
    await received(receiver, "schedule.finished", total + 2, timeout=120)
    worker_processes.stop_all()

    drafts = Counter(d.data["documentId"] for d in receiver.of_type("draft.created"))
    assert drafts == Counter(ids[page] for page in changed), announced
    runs = [r for r in await runs_of(db) if r.phase == RunPhase.COMPLETED]
    assert sum(r.counts["generated"] for r in runs) == len(changed)
    assert sum(r.counts["changed"] for r in runs) == len(changed)
    async with db.read() as session:
        announcements = (
            await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.event == "schedule.finished")
            )
        ).all()
    # every run announced once, in its own transaction (the last may not be delivered yet)
    assert Counter(a.payload["data"]["runId"] for a in announcements) == Counter(
        str(r.id) for r in runs
    )
    delivered = Counter(f.data["runId"] for f in receiver.of_type("schedule.finished"))
    assert set(delivered) <= {str(r.id) for r in runs} and set(delivered.values()) == {1}
    ticks = [r.tick_at for r in runs]
    assert ticks == sorted(set(ticks))
    run_jobs = {j.id: j for j in await jobs_of(db, RUN_JOB)}
    assert {run_jobs[r.job_id].status for r in runs} == {"COMPLETED"}
    assert {run_jobs[r.job_id].attempts for r in runs} == {1}


async def test_a_run_whose_worker_is_killed_midway_completes_once(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    db: Database,
    site: ChangingSite,
    receiver_server: ReceiverServer,
    database_url: str,
    tmp_path: Path,
) -> None:
    workers = Workers(database_url, tmp_path, job_lease_seconds=2)
    try:
        [first] = workers.start(1)
        receiver = receiver_server.receiver
        ids = await ingested_and_generated(client, headers, site)
        await subscribe(
            client, headers, receiver_server.url, ["draft.created", "schedule.finished"], receiver
        )
        schedule = await call(
            client,
            "POST",
            "/v2/schedules/public",
            headers,
            json={"name": "site", "source": "web", "every": "PT1H", "generate": {"isDraft": True}},
        )
        ingest_jobs_before = len(await jobs_of(db, INGEST_JOB))
        site.change(0, 2)
        site.delay = 1.0
        await call(client, "POST", f"/v2/schedules/{schedule['id']}/run/public", headers)

        manual = await eventually(
            lambda: runs_of(db),
            lambda runs: any(r.manual and r.phase == RunPhase.REFRESHING for r in runs),
            timeout=60,
        )
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        site.delay = 0.0
        workers.start(2)

        [finished] = await received(receiver, "schedule.finished", 1, timeout=120)
        drafts = await received(receiver, "draft.created", 2, timeout=60)
    finally:
        workers.stop_all()

    [run] = [r for r in await runs_of(db) if r.manual]
    assert run.phase == RunPhase.COMPLETED
    assert run.id in {r.id for r in manual}
    assert finished.data["runId"] == str(run.id)
    assert (finished.data["changed"], finished.data["generated"]) == (2, 2)
    assert sorted(d.data["documentId"] for d in drafts) == sorted([ids[0], ids[2]])
    assert len(receiver.of_type("schedule.finished")) == 1
    # the run's refresh was queued once (a job per changed page: the others answered 304),
    # its generation once, though two attempts ran it
    assert len(await jobs_of(db, INGEST_JOB)) - ingest_jobs_before == 2
    assert len(run.generation_job_ids) == 2
    generations = {str(j.id) for j in await jobs_of(db, GENERATE_JOB)}
    assert set(run.generation_job_ids) <= generations
    run_job = {j.id: j for j in await jobs_of(db, RUN_JOB)}[run.job_id]
    assert run_job.status == "COMPLETED" and run_job.attempts >= 2
