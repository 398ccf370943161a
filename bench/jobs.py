"""Job engine throughput and latency, with real worker processes on SQLite and PostgreSQL.

    .venv/bin/python bench/jobs.py [--jobs 5000] [--postgres-url URL] [--concurrency 32]

Prints, for each database, no-op jobs completed per second with 1, 2 and 4 worker processes;
the claim query's share of the workers' time (seconds inside the claiming transaction over the
processes' wall time, each process timing its own claims); and the baseline measured in the
same run: the bare claim (`store.claim` with the worker's batch size, one transaction per
batch, in a loop in one process with nothing else running) in jobs claimed per second. Then
the p50/p99 enqueue-to-start latency of jobs enqueued one at a time into idle workers. The
PostgreSQL URL defaults to $KBSMITH_TEST_POSTGRES_URL; a fresh database is made per run and
dropped after it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.jobs import queue, store
from kbsmith.jobs.context import JobContext
from kbsmith.jobs.models import Job, JobStatus
from kbsmith.jobs.registry import JobRegistry
from kbsmith.jobs.store import ClaimedJob
from kbsmith.jobs.worker import Worker, WorkerConfig
from kbsmith.logging import configure_logging
from kbsmith.settings import Settings

NOOP = "bench.noop"


def bench_registry() -> JobRegistry:
    registry = JobRegistry()

    @registry.handler(NOOP)
    async def noop(_ctx: JobContext) -> None:
        return None

    return registry


class TimedWorker(Worker):
    """The worker, timing each claiming transaction (the claim query and its commit)."""

    claim_seconds = 0.0
    claims = 0
    claimed = 0

    async def _claim_once(self) -> list[ClaimedJob]:
        started = time.perf_counter()
        claimed = await super()._claim_once()
        self.claim_seconds += time.perf_counter() - started
        self.claims += 1
        self.claimed += len(claimed)
        return claimed


async def run_worker(concurrency: int) -> None:
    settings = Settings()
    configure_logging(settings.log_level, "json")
    db = Database(settings.resolved_database_url)
    worker = TimedWorker(db, bench_registry(), WorkerConfig.from_settings(settings, concurrency))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    started = time.perf_counter()
    await worker.run()
    await db.dispose()
    report = {"claimSeconds": worker.claim_seconds, "claims": worker.claims}
    print(json.dumps({**report, "claimed": worker.claimed, "wall": time.perf_counter() - started}))


def start_workers(url: str, count: int, concurrency: int) -> list[subprocess.Popen[bytes]]:
    env = dict(os.environ, KBSMITH_DATABASE_URL=url, KBSMITH_LOG_LEVEL="WARNING")
    command = [sys.executable, __file__, "--worker", "--concurrency", str(concurrency)]
    return [subprocess.Popen(command, env=env, stdout=subprocess.PIPE) for _ in range(count)]


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> list[dict[str, float]]:
    """Stop the workers; each one's claim timings."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    reports = []
    for process in processes:
        out, _ = process.communicate(timeout=30)
        lines = out.decode().strip().splitlines()
        reports.append(json.loads(lines[-1]) if lines else {})
    return reports


async def fresh_database(kind: str, postgres_url: str | None, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    assert postgres_url
    name = f"kbsmith_bench_{uuid.uuid4().hex[:8]}"
    await _admin(postgres_url, f"CREATE DATABASE {name}")
    return str(make_url(postgres_url).set(database=name).render_as_string(hide_password=False))


async def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        await _admin(url, f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")


async def _admin(postgres_url: str, statement: str) -> None:
    admin = create_async_engine(
        make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as connection:
        await connection.execute(text(statement))
    await admin.dispose()


async def count_done(db: Database) -> int:
    async with db.read() as session:
        query = select(func.count()).where(Job.status == JobStatus.COMPLETED)
        return int((await session.execute(query)).scalar_one())


async def wait_done(db: Database, total: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while await count_done(db) < total:
        if time.monotonic() > deadline:
            raise TimeoutError("jobs did not finish")
        await asyncio.sleep(0.02)


async def throughput(url: str, workers: int, jobs: int, concurrency: int) -> tuple[float, float]:
    """No-op jobs/s, and the share of the workers' wall time spent claiming."""
    db = Database(url)
    await migrate.upgrade(db)
    processes = start_workers(url, workers, concurrency)
    await asyncio.sleep(3)  # let the processes start before the clock does
    reports: list[dict[str, float]] = []
    try:
        started = time.perf_counter()
        async with db.write() as session:
            queue.enqueue_many(session, NOOP, ({} for _ in range(jobs)))
        await wait_done(db, jobs)
        elapsed = time.perf_counter() - started
    finally:
        reports = stop_workers(processes)
        await db.dispose()
    wall = sum(r.get("wall", 0.0) for r in reports)
    return jobs / elapsed, sum(r.get("claimSeconds", 0.0) for r in reports) / max(wall, 1e-9)


async def bare_claims(url: str, jobs: int, concurrency: int) -> float:
    """Jobs/s of the claim alone: batches of `concurrency`, one transaction each, one process."""
    db = Database(url)
    await migrate.upgrade(db)
    try:
        async with db.write() as session:
            queue.enqueue_many(session, NOOP, ({} for _ in range(jobs)))
        claimed = 0
        started = time.perf_counter()
        while claimed < jobs:
            async with db.write() as session:
                batch = await store.claim(
                    session, kinds=[NOOP], limit=concurrency, token="bench", lease_seconds=300
                )
            claimed += len(batch)
            if not batch:
                raise RuntimeError("the claim found no job")
        return jobs / (time.perf_counter() - started)
    finally:
        await db.dispose()


async def latency(url: str, samples: int, concurrency: int) -> tuple[float, float]:
    db = Database(url)
    await migrate.upgrade(db)
    processes = start_workers(url, 1, concurrency)
    await asyncio.sleep(3)
    try:
        for _ in range(samples):
            async with db.write() as session:
                queue.enqueue(session, NOOP, {})
            await asyncio.sleep(0.02)
        await wait_done(db, samples)
        async with db.read() as session:
            rows = (await session.execute(select(Job.created_at, Job.started_at))).all()
    finally:
        stop_workers(processes)
        await db.dispose()
    waits = sorted((s - c).total_seconds() * 1000 for c, s in rows if s)
    return statistics.median(waits), waits[int(len(waits) * 0.99) - 1]


async def main(args: argparse.Namespace) -> None:
    postgres_url = args.postgres_url or os.environ.get("KBSMITH_TEST_POSTGRES_URL")
    kinds = ["sqlite"] + (["postgresql"] if postgres_url else [])
    table = Table(
        "database",
        "bare claim",
        "1 worker",
        "2 workers",
        "4 workers",
        "4 vs 1",
        "p50 start latency",
        "p99 start latency",
        title=f"no-op jobs/s ({args.jobs} jobs; each worker process runs {args.concurrency} "
        f"at once; poll interval {Settings().job_poll_interval}s). Workers: jobs/s (share of "
        "their time in the claim; jobs/s over the bare claim's)",
    )
    with tempfile.TemporaryDirectory() as workdir:
        for kind in kinds:

            async def fresh(kind: str = kind) -> str:
                return await fresh_database(kind, postgres_url, Path(workdir))

            url = await fresh()
            bare = await bare_claims(url, args.jobs, args.concurrency)
            await drop_database(url)
            rates = []
            cells = []
            for workers in (1, 2, 4):
                url = await fresh()
                rate, claim_share = await throughput(url, workers, args.jobs, args.concurrency)
                await drop_database(url)
                rates.append(rate)
                cells.append(f"{rate:,.0f} ({claim_share:.0%}; {rate / bare:.2f}x)")
            url = await fresh()
            p50, p99 = await latency(url, 200, args.concurrency)
            await drop_database(url)
            table.add_row(
                kind,
                f"{bare:,.0f}",
                *cells,
                f"{rates[2] / rates[0]:.2f}x",
                f"{p50:.0f} ms",
                f"{p99:.0f} ms",
            )
    Console(width=200).print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--postgres-url")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        asyncio.run(run_worker(arguments.concurrency))
    else:
        asyncio.run(main(arguments))
