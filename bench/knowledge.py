"""Article and folder reads on a large workspace, through the real app, on SQLite and PostgreSQL.

    .venv/bin/python bench/knowledge.py [--articles 100000] [--folders 1000] [--samples 300]
                                        [--postgres-url URL]

Builds one workspace with ``--articles`` articles (5% of them drafts, each with one version and
~1.5 KB of Markdown) spread evenly over ``--folders`` folders (a tenth at the top, the rest one
level below), with bulk inserts through SQLAlchemy Core. Then times requests through the whole
FastAPI app (auth, routing, validation, serialisation) with an in-process httpx ASGI client and
prints p50/p99 of: the first page of ``GET /v2/hc-articles/public`` (50 articles), the 1,000th
page (a cursor 49,950 articles deep), ``POST /v2/hc-articles/ids/public`` with 100 random ids,
and the folder snapshot ``GET /v2/hc-folders/public``. Targets: a deep page within 2x the first;
p99 of a list page under 50 ms on SQLite.

SQLite always; PostgreSQL too when ``--postgres-url`` or ``$KBSMITH_TEST_POSTGRES_URL`` is given
(``source scripts/postgres.sh`` sets it). A fresh database is made for every run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from _common import version_row
from kbsmith.api.app import create_app
from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.knowledge.models import Article, ArticleVersion, Folder
from kbsmith.logging import configure_logging
from kbsmith.settings import Settings
from kbsmith.workspaces import service as workspaces
from kbsmith.workspaces.service import Scope

PAGE_SIZE = 50
IDS_PER_REQUEST = 100
CHUNK = 5_000
SECRET = "bench-secret-key-for-api-key-hashes"
BODY = (
    "## Canceling\n\nCustomers can cancel from **Billing** in the dashboard at any time. "
    "The plan stays active until the end of the period that was paid for, and no refund is "
    "made for the remaining days unless the law of the customer's country requires one.\n\n"
) * 5


@dataclass(frozen=True)
class Dataset:
    workspace_id: uuid.UUID
    article_ids: list[str]
    """As text: 100,000 UUID objects in this process would make every full collection of the
    garbage collector walk them, a pause the server alone would not have."""
    build_seconds: float


@dataclass(frozen=True)
class Timing:
    p50: float
    p99: float


async def fresh_database(kind: str, postgres_url: str | None, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    assert postgres_url
    name = f"kbsmith_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(
        make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    return str(make_url(postgres_url).set(database=name).render_as_string(hide_password=False))


def folder_rows(workspace_id: uuid.UUID, count: int, now: datetime) -> list[dict[str, Any]]:
    tops = max(1, count // 10)
    rows: list[dict[str, Any]] = []
    for index in range(count):
        parent = rows[index % tops]["id"] if index >= tops else None
        rows.append(
            {
                "id": uuid.uuid4(),
                "workspace_id": workspace_id,
                "parent_folder_id": parent,
                "title": f"Folder {index:04d}",
                "description": "",
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def article_rows(
    workspace_id: uuid.UUID, folder_ids: list[uuid.UUID], count: int, start: datetime
) -> Iterator[dict[str, Any]]:
    for index in range(count):
        stamp = start + timedelta(milliseconds=index)
        yield {
            "id": uuid.uuid4(),
            "workspace_id": workspace_id,
            "parent_folder_id": folder_ids[index % len(folder_ids)],
            "title": f"How do I cancel plan {index}?",
            "main_knowledge": BODY,
            "agent_instruction": "",
            "questions": [f"How do I cancel plan {index}?", "Can I get a refund?", "Where?"],
            "keywords": ["cancel", "billing", "plan", "refund", f"p{index}"],
            "escalation": False,
            "active": True,
            "public": True,
            "origin": "sources",
            "is_draft": index % 20 == 0,
            "is_draft_published": False,
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        }


async def build(db: Database, articles: int, folders: int) -> tuple[Dataset, str]:
    started = time.perf_counter()
    async with db.write() as session:
        owner = await workspaces.get_or_create_workspace(session, "bench")
        key = await workspaces.create_key(
            session, owner, {Scope.READ, Scope.WRITE}, "bench", SECRET.encode()
        )
        now = datetime.now(UTC)
        rows = folder_rows(owner.id, folders, now)
        await session.execute(insert(Folder), rows)
        folder_ids = [row["id"] for row in rows]
        article_ids = await insert_articles(
            session, owner.id, folder_ids, articles, now - timedelta(days=30)
        )
    if not db.is_sqlite:
        async with db.write() as session:
            await session.execute(text("ANALYZE"))
    dataset = Dataset(owner.id, article_ids, time.perf_counter() - started)
    return dataset, key.secret


async def insert_articles(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    folder_ids: list[uuid.UUID],
    count: int,
    start: datetime,
) -> list[str]:
    ids: list[str] = []
    batch: list[dict[str, Any]] = []
    for row in article_rows(workspace_id, folder_ids, count, start):
        batch.append(row)
        if len(batch) == CHUNK:
            ids += await insert_batch(session, batch)
            batch = []
    if batch:
        ids += await insert_batch(session, batch)
    return ids


async def insert_batch(session: AsyncSession, batch: list[dict[str, Any]]) -> list[str]:
    await session.execute(insert(Article), batch)
    await session.execute(insert(ArticleVersion), [version_row(row) for row in batch])
    return [str(row["id"]) for row in batch]


async def deep_cursor(db: Database, workspace_id: uuid.UUID, page: int) -> str:
    """The last article of the page before ``page``: the cursor that asks for ``page``."""
    async with db.read() as session:
        statement = (
            select(Article.id)
            .where(Article.workspace_id == workspace_id)
            .order_by(Article.updated_at.desc(), Article.id.desc())
            .offset(PAGE_SIZE * (page - 1) - 1)
            .limit(1)
        )
        return str((await session.execute(statement)).scalar_one())


Request = Callable[[], Awaitable[httpx.Response]]


async def timed(samples: int, requests: dict[str, Request], warmup: int = 5) -> dict[str, Timing]:
    """Round-robin over the requests, so that a change in the machine's load touches each
    alike and their ratios stay meaningful."""
    durations: dict[str, list[float]] = {name: [] for name in requests}
    for round_ in range(warmup + samples):
        for name, request in requests.items():
            started = time.perf_counter()
            response = await request()
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if round_ >= warmup:
                durations[name].append(elapsed)
    return {name: percentiles(values) for name, values in durations.items()}


def percentiles(values: list[float]) -> Timing:
    values.sort()
    return Timing(statistics.median(values), values[max(0, round(len(values) * 0.99) - 1)])


async def measure(
    url: str, workdir: Path, args: argparse.Namespace
) -> tuple[Dataset, dict[str, Timing]]:
    db = Database(url)
    await migrate.upgrade(db)
    dataset, secret = await build(db, args.articles, args.folders)
    cursor = await deep_cursor(db, dataset.workspace_id, args.deep_page)
    settings = Settings(
        data_dir=workdir / "data",
        database_url=url,
        secret_key=SECRET,
        rate_limit=1_000_000_000,  # every request is counted, none refused
    )
    app = create_app(settings, db)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {secret}"}
    pool = dataset.article_ids
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers, timeout=120
    ) as http:
        list_url = "/v2/hc-articles/public"

        async def by_ids() -> httpx.Response:
            body = {"articleIds": random.sample(pool, IDS_PER_REQUEST)}
            return await http.post("/v2/hc-articles/ids/public", json=body)

        deep = await http.get(list_url, params={"cursor": cursor})
        assert len(deep.json()["articles"]) == PAGE_SIZE and deep.json()["hasMore"]
        timings = await timed(
            args.samples,
            {
                "list page 1": lambda: http.get(list_url),
                f"list page {args.deep_page:,}": lambda: http.get(
                    list_url, params={"cursor": cursor}
                ),
                f"get {IDS_PER_REQUEST} by ids": by_ids,
            },
        )
        snapshot = lambda: http.get("/v2/hc-folders/public")  # noqa: E731
        timings |= await timed(args.snapshot_samples, {"folder snapshot": snapshot}, warmup=1)
    await db.dispose()
    return dataset, timings


def report(
    kind: str, dataset: Dataset, timings: dict[str, Timing], args: argparse.Namespace
) -> Table:
    table = Table(
        "route",
        "p50 ms",
        "p99 ms",
        title=f"{kind}: {args.articles:,} articles in {args.folders:,} folders "
        f"(built in {dataset.build_seconds:.1f} s; load average {os.getloadavg()[0]:.1f})",
    )
    for name, timing in timings.items():
        table.add_row(name, f"{timing.p50:.1f}", f"{timing.p99:.1f}")
    first, deep = timings["list page 1"], timings[f"list page {args.deep_page:,}"]
    table.add_row(
        f"page {args.deep_page:,} / page 1",
        f"{deep.p50 / first.p50:.2f}x",
        f"{deep.p99 / first.p99:.2f}x",
    )
    return table


async def main(args: argparse.Namespace) -> None:
    configure_logging("WARNING", "json")
    postgres_url = args.postgres_url or os.environ.get("KBSMITH_TEST_POSTGRES_URL")
    kinds = ["sqlite"] + (["postgresql"] if postgres_url else [])
    console = Console()
    with tempfile.TemporaryDirectory() as workdir:
        for kind in kinds:
            url = await fresh_database(kind, postgres_url, Path(workdir))
            dataset, timings = await measure(url, Path(workdir), args)
            console.print(report(kind, dataset, timings, args))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--folders", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--deep-page", type=int, default=1_000)
    parser.add_argument("--snapshot-samples", type=int, default=20)
    parser.add_argument("--postgres-url")
    asyncio.run(main(parser.parse_args()))
