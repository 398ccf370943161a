"""The review console on a large queue: time to first byte of its pages, through real HTTP.

    .venv/bin/python bench/console.py [--drafts 10000] [--samples 300] [--postgres-url URL]

Builds one workspace with ``--drafts`` pending drafts, each forked from a live article of its
own (so 2 x ``--drafts`` articles) in 100 folders, each linked to a web source whose paragraphs
it holds; a third are UPDATE drafts with a merge conflict, a third ADD, a third DO_NOTHING
records (bulk inserts through SQLAlchemy Core). Then serves the app with uvicorn on 127.0.0.1,
signs in to the console like a browser and prints p50/p99 time to first byte of: the queue's
first page, its 100th page (a keyset cursor 4,950 drafts deep), the queue filtered by
operation, and the review packet of a random draft; beside them the baseline of the same run,
the same first page as JSON from the API (``GET /v2/hc-articles/public?type=draft&review=
pending``), as ratios; and the queue page's size in bytes. Target: p99 < 150 ms on SQLite.

SQLite always; PostgreSQL too when ``--postgres-url`` or ``$KBSMITH_TEST_POSTGRES_URL`` is given.
Run it under ``flock /tmp/kbsmith-bench.lock`` on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select, text

from _common import version_row
from kbsmith.api.app import create_app
from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.knowledge.models import Article, ArticleSource, ArticleVersion, Folder
from kbsmith.logging import configure_logging
from kbsmith.settings import Settings
from kbsmith.sources.models import Source
from kbsmith.workspaces import service as workspaces
from kbsmith.workspaces.service import Scope
from knowledge import Timing, fresh_database, percentiles

SECRET = "bench-secret-key-for-api-key-hashes"
FOLDERS = 100
CHUNK = 2_000
PAGE_SIZE = 50
DEEP_PAGE = 100
PARAGRAPHS = [
    "Customers can cancel from **Billing** in the dashboard at any time.",
    "The plan stays active until the end of the period that was paid for.",
    "No refund is made for the remaining days unless the law requires one.",
    "Annual plans can be refunded pro rata within thirty days of renewal.",
    "Agents can backdate a cancellation when the customer asked in time.",
]
OURS = "Upgrades take effect immediately and are prorated; agents can backdate them."
THEIRS = "Upgrades take effect at the next billing cycle and are not prorated."
OPERATIONS = ("UPDATE_ARTICLE", "ADD_ARTICLE_TO_FOLDER", "DO_NOTHING")


def article(workspace_id: uuid.UUID, folder_id: uuid.UUID, index: int, stamp: datetime) -> Any:
    body = "\n\n".join([f"# Plan {index}", *PARAGRAPHS, OURS])
    return {
        "id": uuid.uuid4(),
        "workspace_id": workspace_id,
        "parent_folder_id": folder_id,
        "title": f"How do I cancel plan {index}?",
        "main_knowledge": body,
        "agent_instruction": "",
        "questions": [f"How do I cancel plan {index}?", "Can I get a refund?"],
        "keywords": ["cancel", "billing", f"p{index}"],
        "escalation": False,
        "active": True,
        "public": True,
        "origin": "sources",
        "is_draft": False,
        "is_draft_published": False,
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
    }


def draft_of(live: dict[str, Any], index: int, source_id: uuid.UUID) -> dict[str, Any]:
    operation = OPERATIONS[index % 3]
    conflicts = (
        [{"ours": OURS, "theirs": THEIRS, "base": "Upgrades are prorated."}]
        if operation == "UPDATE_ARTICLE"
        else []
    )
    stamp = live["created_at"] + timedelta(milliseconds=1)
    return live | {
        "id": uuid.uuid4(),
        "main_knowledge": live["main_knowledge"].replace(OURS, THEIRS),
        "is_draft": True,
        "original_article_id": live["id"],
        "original_article_version": 1,
        "generation_operation": operation,
        "generation": {
            "job_id": str(uuid.uuid4()),
            "operation": operation,
            "reason": f"the source changed ({operation})",
            "source_ids": [str(source_id)],
            "conflicts": conflicts,
            "live_merged": bool(conflicts),
        },
        "created_at": stamp,
        "updated_at": stamp,
    }


def source(workspace_id: uuid.UUID, index: int) -> dict[str, Any]:
    url = f"https://help.example.com/plans/{index}"
    return {
        "id": uuid.uuid4(),
        "workspace_id": workspace_id,
        "provider": "web",
        "identity": url,
        "original_url": url,
        "title": f"Plan {index}",
        "paragraphs": [f"# Plan {index}", *PARAGRAPHS, THEIRS],
        "content_hash": "b" * 64,
        "generated_hash": "a" * 64,
        "success": True,
    }


def rows(
    workspace_id: uuid.UUID, folder_ids: list[uuid.UUID], count: int, start: datetime
) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    for index in range(count):
        stamp = start + timedelta(milliseconds=10 * index)
        live = article(workspace_id, folder_ids[index % len(folder_ids)], index, stamp)
        origin = source(workspace_id, index) | {"linked_knowledge_id": live["id"]}
        yield live, draft_of(live, index, origin["id"]), origin


async def build(db: Database, drafts: int) -> tuple[str, list[str]]:
    """The key's secret and the drafts' ids."""
    async with db.write() as session:
        owner = await workspaces.get_or_create_workspace(session, "bench")
        key = await workspaces.create_key(
            session, owner, {Scope.READ, Scope.WRITE}, "bench", SECRET.encode()
        )
        now = datetime.now(UTC)
        folders: list[dict[str, Any]] = [
            {"id": uuid.uuid4(), "workspace_id": owner.id, "title": f"Folder {i:03d}"}
            | {"description": "", "active": True, "created_at": now, "updated_at": now}
            for i in range(FOLDERS)
        ]
        await session.execute(insert(Folder), folders)
        ids: list[str] = []
        batch = list(rows(owner.id, [f["id"] for f in folders], drafts, now - timedelta(days=3)))
        for at in range(0, len(batch), CHUNK):
            chunk = batch[at : at + CHUNK]
            articles = [a for live, draft, _ in chunk for a in (live, draft)]
            await session.execute(insert(Source), [s for _, _, s in chunk])
            await session.execute(insert(Article), articles)
            await session.execute(insert(ArticleVersion), [version_row(a) for a in articles])
            links = [{"article_id": d["id"], "source_id": s["id"]} for _, d, s in chunk]
            await session.execute(insert(ArticleSource), links)
            ids += [str(d["id"]) for _, d, _ in chunk]
    if not db.is_sqlite:
        async with db.write() as session:
            await session.execute(text("ANALYZE"))
    return key.secret, ids


def free_socket() -> socket.socket:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    return listener


Request = Callable[[], Awaitable[float]]


def first_byte(http: httpx.AsyncClient, path: str, **params: str) -> Request:
    async def request() -> float:
        started = time.perf_counter()
        async with http.stream("GET", path, params=params) as response:
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            await response.aread()
        return elapsed

    return request


async def timed(samples: int, requests: dict[str, Request], warmup: int = 5) -> dict[str, Timing]:
    """Round-robin, so that a change in the machine's load touches every request alike."""
    durations: dict[str, list[float]] = {name: [] for name in requests}
    for round_ in range(warmup + samples):
        for name, request in requests.items():
            elapsed = await request()
            if round_ >= warmup:
                durations[name].append(elapsed)
    return {name: percentiles(values) for name, values in durations.items()}


async def deep_cursor(db: Database, page: int) -> str:
    async with db.read() as session:
        statement = (
            select(Article.id)
            .where(Article.is_draft.is_(True))
            .order_by(Article.updated_at.desc(), Article.id.desc())
            .offset(PAGE_SIZE * (page - 1) - 1)
            .limit(1)
        )
        return str((await session.execute(statement)).scalar_one())


async def measure(
    url: str, workdir: Path, args: argparse.Namespace
) -> tuple[dict[str, Timing], int]:
    db = Database(url)
    await migrate.upgrade(db)
    started = time.perf_counter()
    secret, draft_ids = await build(db, args.drafts)
    Console(stderr=True).print(f"built in {time.perf_counter() - started:.1f} s")
    deep_page = min(DEEP_PAGE, args.drafts // PAGE_SIZE)
    cursor = await deep_cursor(db, deep_page)
    settings = Settings(data_dir=workdir / "data", database_url=url, secret_key=SECRET)
    listener = free_socket()
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, db), lifespan="off", log_level="warning")
    )
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    base = f"http://127.0.0.1:{port}"
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            signed = await http.post("/ui/sign-in", data={"key": secret}, headers={"Origin": base})
            assert signed.status_code == 303, signed.text
            queue = await http.get("/ui/queue")
            assert queue.text.count('class="item"') == PAGE_SIZE
            deep = await http.get("/ui/queue", params={"cursor": cursor})
            assert deep.text.count('class="item"') == PAGE_SIZE
            api = {"Authorization": f"Bearer {secret}"}
            baseline = httpx.AsyncClient(base_url=base, timeout=60, headers=api)

            async def packet() -> float:
                return await first_byte(http, f"/ui/review/{random.choice(draft_ids)}")()

            timings = await timed(
                args.samples,
                {
                    "baseline: API pending page (JSON)": first_byte(
                        baseline, "/v2/hc-articles/public", type="draft", review="pending"
                    ),
                    "queue page 1": first_byte(http, "/ui/queue"),
                    f"queue page {deep_page}": first_byte(http, "/ui/queue", cursor=cursor),
                    "queue by operation": first_byte(http, "/ui/queue", operation="DO_NOTHING"),
                    "review packet": packet,
                },
            )
            await baseline.aclose()
            size = len(queue.content)
    finally:
        server.should_exit = True
        await serving
        await db.dispose()
    return timings, size


def report(kind: str, timings: dict[str, Timing], size: int, drafts: int) -> Table:
    table = Table(
        "page",
        "p50 ms",
        "p99 ms",
        "p50 / baseline",
        "p99 / baseline",
        title=f"{kind}: {drafts:,} pending drafts (load average {os.getloadavg()[0]:.1f})",
    )
    base = next(iter(timings.values()))
    for name, timing in timings.items():
        ratios = f"{timing.p50 / base.p50:.2f}x", f"{timing.p99 / base.p99:.2f}x"
        table.add_row(name, f"{timing.p50:.1f}", f"{timing.p99:.1f}", *ratios)
    table.caption = f"queue page: {size:,} bytes ({PAGE_SIZE} items); target p99 < 150 ms"
    return table


async def main(args: argparse.Namespace) -> None:
    configure_logging("WARNING", "json")
    postgres_url = args.postgres_url or os.environ.get("KBSMITH_TEST_POSTGRES_URL")
    kinds = ["sqlite"] + (["postgresql"] if postgres_url else [])
    with tempfile.TemporaryDirectory() as workdir:
        for kind in kinds:
            url = await fresh_database(kind, postgres_url, Path(workdir))
            timings, size = await measure(url, Path(workdir), args)
            Console().print(report(kind, timings, size, args.drafts))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--drafts", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--postgres-url")
    asyncio.run(main(parser.parse_args()))
