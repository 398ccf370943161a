"""A sync schedule keeping up with a changing site, through the real app and a worker.

    .venv/bin/python bench/sync.py [--pages 1000] [--change 0.05] [--concurrency 8]
                                   [--no-embeddings] [--postgres-url URL]

A static site on 127.0.0.1 (strong ETags, Last-Modified, 304 on conditional requests) serves
``--pages`` pages: the real help-center pages of ``--data`` (shared/data/web-pages, cycled at
other paths past their number), or with ``--synthetic`` small generated pages, each its own
topic. A changed page gets a new paragraph after its first one. The app (in-process httpx
ASGI client) and one worker (``--concurrency`` jobs at once) run in this process, on a fresh
SQLite file (or PostgreSQL with ``--postgres-url``). Timed: the first ingest of every page;
generating a live article from each; an unchanged tick of a schedule (refresh everything,
nothing to generate); a tick after ``--change`` of the pages changed (refresh everything,
regenerate the changed ones into drafts). Each tick is the schedule's own run (`POST
/v2/schedules/{id}/run/public`), timed until its run is COMPLETED. Ratios (targets):
unchanged tick / first ingest <= 0.2; changed tick / (first ingest + generation) <= 0.25.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import html
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from sqlalchemy import func, select

from _common import StaticPage, StaticSite, batched, serving, static_page
from kbsmith.api.app import create_app
from kbsmith.api.deps import composition_of
from kbsmith.composition import kbsmith_worker
from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.jobs.models import TERMINAL_STATUSES, Job
from kbsmith.logging import configure_logging
from kbsmith.schedules.models import RunPhase, ScheduleRun
from kbsmith.settings import Settings
from kbsmith.workspaces import service as workspaces
from kbsmith.workspaces.service import Scope

SECRET = "bench-secret-key-for-api-key-hashes"
TOPICS = ("invoices", "exports", "passwords", "webhooks", "billing", "teams", "reports", "imports")
console = Console(stderr=True)


def real_pages(data: Path) -> list[bytes]:
    files = sorted((data / "html").glob("*.html.gz"))
    if not files:
        raise SystemExit(f"no html/*.html.gz under {data} (use --data, or --synthetic)")
    return [gzip.decompress(f.read_bytes()) for f in files]


def real_page(originals: list[bytes], number: int, revision: int) -> StaticPage:
    body = originals[number % len(originals)]
    if revision:
        note = (
            f"<p>Update {revision}: this section was revised; the steps above now also apply "
            f"to workspaces created after the change, and the limits were raised.</p>"
        ).encode()
        cut = body.find(b"</p>")
        body = body[: cut + 4] + note + body[cut + 4 :] if cut >= 0 else body + note
    return static_page(body, "text/html; charset=utf-8", 1_700_000_000 + revision * 3600)


def page(number: int, revision: int) -> StaticPage:
    topic = f"{TOPICS[number % len(TOPICS)]} {number}"
    paragraphs = [
        f"This page explains how to manage {topic} in the product, step by step, for the "
        f"administrators and members of team {number}.",
        f"Open the settings of {topic}, choose the entry you need and confirm; the change "
        f"applies to everyone in team {number} at once.",
        f"Revision {revision} of page {number}: limits for {topic} depend on your plan, and "
        "support can raise them on request.",
    ]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    document = (
        f"<html><head><title>How to manage {topic}</title></head><body><main><article>"
        f"<h1>How to manage {topic}</h1>{body}</article></main></body></html>"
    )
    return static_page(
        document.encode(), "text/html; charset=utf-8", 1_700_000_000 + revision * 3600
    )


async def until(probe: Callable[[], Awaitable[bool]], timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark's work did not end in time")
        await asyncio.sleep(0.05)


async def jobs_done(db: Database, kind: str, total: int) -> bool:
    async with db.read() as session:
        rows = await session.execute(
            select(Job.status, func.count()).where(Job.kind == kind).group_by(Job.status)
        )
        counts = dict(rows.all())
    return sum(counts.values()) >= total and all(s in TERMINAL_STATUSES for s in counts)


async def run_done(db: Database, run_id: str) -> bool:
    async with db.read() as session:
        run = await session.get(ScheduleRun, uuid.UUID(run_id))
        return run is not None and run.phase in (RunPhase.COMPLETED, RunPhase.FAILED)


async def measure(url: str, workdir: Path, args: argparse.Namespace) -> dict[str, float]:
    db = Database(url)
    await migrate.upgrade(db)
    async with db.write() as session:
        owner = await workspaces.get_or_create_workspace(session, "bench")
        key = await workspaces.create_key(
            session, owner, {Scope.READ, Scope.WRITE}, "bench", SECRET.encode()
        )
    settings = Settings(
        data_dir=workdir / "data",
        database_url=url,
        secret_key=SECRET,
        rate_limit=1_000_000_000,  # every request is counted, none refused
        fetch_allow_networks="127.0.0.1/32",
        fetch_per_host_concurrency=args.concurrency,
        generation_embeddings=args.embeddings,
        schedule_poll_interval=0.05,
        job_poll_interval=0.05,
    )
    app = create_app(settings, db)
    worker = kbsmith_worker(db, composition_of(app).runtime, args.concurrency)
    task = asyncio.create_task(worker.run())
    revisions = dict.fromkeys(range(args.pages), 0)
    if args.synthetic:
        make = page
    else:
        originals = real_pages(args.data)

        def make(number: int, revision: int) -> StaticPage:
            return real_page(originals, number, revision)

    site = StaticSite({f"/page/{n}": make(n, 0) for n in revisions})
    timings: dict[str, float] = {}
    try:
        with serving(site) as base:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://bench",
                headers={"Authorization": f"Bearer {key.secret}"},
                timeout=600,
            ) as http:
                timings = await _phases(http, db, site, base, revisions, make, args)
    finally:
        worker.stop()
        await task
        await composition_of(app).runtime.aclose()
        await db.dispose()
    return timings


async def _phases(
    http: httpx.AsyncClient,
    db: Database,
    site: StaticSite,
    base: str,
    revisions: dict[int, int],
    make: Callable[[int, int], StaticPage],
    args: argparse.Namespace,
) -> dict[str, float]:
    async def post(path: str, body: dict[str, Any] | None = None) -> Any:
        response = await http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    timings: dict[str, float] = {}
    started = time.perf_counter()
    ids: list[str] = []
    for urls in batched([f"{base}/page/{n}" for n in revisions]):
        ids += (await post("/v2/documents/public", {"documentIdsToAdd": urls}))["addedDocumentIds"]
    await until(lambda: jobs_done(db, "source.ingest", args.pages))
    timings["first ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    for batch in batched(ids):
        await post(
            "/v2/knowledge/public/bulk",
            {"documentIds": batch, "origin": "sources", "isDraft": False},
        )
    await until(lambda: jobs_done(db, "generation.generate", args.pages))
    timings["generation"] = time.perf_counter() - started

    schedule = await post(
        "/v2/schedules/public",
        {"name": "site", "source": "web", "every": "P1D", "generate": {"isDraft": True}},
    )

    async def tick(label: str) -> dict[str, Any]:
        started = time.perf_counter()
        run = await post(f"/v2/schedules/{schedule['id']}/run/public")
        await until(lambda: run_done(db, run["runId"]))
        timings[label] = time.perf_counter() - started
        listed = (await http.get("/v2/schedules/public")).json()["schedules"][0]
        last: dict[str, Any] = listed["lastRun"]
        return last

    unchanged = await tick("unchanged tick")
    changed_pages = list(revisions)[:: max(1, round(1 / args.change))][
        : round(args.pages * args.change)
    ]
    for number in changed_pages:
        revisions[number] += 1
    site.replace({f"/page/{n}": make(n, r) for n, r in revisions.items()})
    changed = await tick("5% tick")
    console.print(f"unchanged tick: {unchanged}", highlight=False)
    console.print(f"changed tick: {changed} ({len(changed_pages)} pages changed)", highlight=False)
    if (changed["changed"], changed["generated"]) != (len(changed_pages), len(changed_pages)):
        console.print("[yellow]note:[/] not every changed page was found changed and regenerated")
    return timings


def report(kind: str, timings: dict[str, float]) -> None:
    console.print(f"\n[bold]{kind}[/]")
    for name, seconds in timings.items():
        console.print(f"  {name:<16} {seconds:8.2f} s", highlight=False)
    unchanged = timings["unchanged tick"] / timings["first ingest"]
    changed = timings["5% tick"] / (timings["first ingest"] + timings["generation"])
    for label, value, target in (
        ("unchanged tick / first ingest", unchanged, 0.2),
        ("5% tick / (first ingest + generation)", changed, 0.25),
    ):
        verdict = "[green]meets[/]" if value <= target else "[red]misses[/]"
        console.print(f"  {label}: {value:.3f} (target <= {target}) {verdict}", highlight=False)


async def main(args: argparse.Namespace) -> None:
    configure_logging("WARNING", "console")
    with tempfile.TemporaryDirectory() as workdir:
        report(
            "SQLite", await measure(f"sqlite+aiosqlite:///{workdir}/sync.db", Path(workdir), args)
        )
    postgres = args.postgres_url or os.environ.get("KBSMITH_TEST_POSTGRES_URL")
    if postgres:
        with tempfile.TemporaryDirectory() as workdir:
            report("PostgreSQL", await measure(postgres, Path(workdir), args))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--change", type=float, default=0.05, help="share of pages changed")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-embeddings", dest="embeddings", action="store_false")
    parser.add_argument("--synthetic", action="store_true", help="small generated pages")
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/web-pages"
    )
    parser.add_argument("--postgres-url")
    asyncio.run(main(parser.parse_args()))
