"""Real worker processes against the real database: kills, contention, exactly-once effects."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from kbsmith.db.database import Database
from kbsmith.jobs import queue
from kbsmith.jobs.models import JobStatus
from tests.support.effects import effect_counts
from tests.support.processes import start_worker, stop, worker_environment, workers
from tests.support.waiting import eventually, load_jobs, wait_for_jobs

pytestmark = pytest.mark.slow  # starts real kbsmith processes


FAST_LEASES = {"job_lease_seconds": 1.5, "job_poll_interval": 0.05, "job_shutdown_grace": 5}


async def test_a_killed_workers_job_is_finished_by_another_worker_once(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    async with db.write() as session:
        job = queue.enqueue(session, "test.effect", {"sleep": 2.5}, max_attempts=5)
    env = worker_environment(database_url, **FAST_LEASES)

    doomed = start_worker(env, 2, tmp_path / "doomed.log")
    try:

        async def state() -> tuple[str, int]:
            (current,) = await load_jobs(db, [job.id])
            return current.status, current.attempts

        await eventually(state, lambda s: s == (JobStatus.IN_PROGRESS, 1), timeout=20)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()

    with workers(env, 1, 2, tmp_path):
        await eventually(state, lambda s: s[0] == JobStatus.COMPLETED, timeout=30)

    (finished,) = await load_jobs(db, [job.id])
    assert finished.attempts == 2
    async with db.read() as session:
        assert await effect_counts(session) == {str(job.id): 1}


async def test_four_worker_processes_complete_2000_jobs_exactly_once(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    async with db.write() as session:
        jobs = queue.enqueue_many(session, "test.effect", ({"n": n} for n in range(2000)))
    env = worker_environment(database_url, **FAST_LEASES)

    with workers(env, 4, 8, tmp_path) as processes:
        statuses = await wait_for_jobs(db, 2000, timeout=240)
        assert all(p.poll() is None for p in processes), "a worker died"

    assert statuses == {JobStatus.COMPLETED: 2000}
    async with db.read() as session:
        counts = await effect_counts(session)
    assert len(counts) == 2000
    assert set(counts.values()) == {1}
    assert set(counts) == {str(job.id) for job in jobs}


async def test_sigterm_stops_a_worker_cleanly(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    async with db.write() as session:
        job = queue.enqueue(session, "test.effect", {"sleep": 0.5})
    env = worker_environment(database_url, **FAST_LEASES)
    process = start_worker(env, 2, tmp_path / "w.log")

    async def status() -> str:
        (current,) = await load_jobs(db, [job.id])
        return current.status

    await eventually(status, lambda s: s == JobStatus.IN_PROGRESS, timeout=20)
    assert stop(process) == 0
    assert await status() == JobStatus.COMPLETED
