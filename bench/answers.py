"""Ask-question quality and latency, through the HTTP API, on SQLite and PostgreSQL.

    .venv/bin/python bench/answers.py [--scales 1000,10000,100000] [--samples 200]
                                      [--postgres-url URL] [--data DIR] [--skip-scale]
                                      [--skip-quality]

Quality: one live article per CovidFAQ entry (``_faq.py``: its FAQ question as title and first
question, its answer as body), created with ``POST /v2/hc-articles/public``; every distinct
customer phrasing asked once with ``POST /v2/bots/ask-question``: top-1 and top-5 of
``based_on[0..4].source_id``, MRR, the share answered ``success: 1`` (and answered from a right
article). A phrasing's right articles are those of every entry it was paired with (230 of the
1,073 were paired with several answers; see ``_faq.Phrasing``). A BM25 baseline (``bm25s`` over
title + body, the same articles, this run) is printed beside it, on all phrasings and on the
held-out ones (the answer model was fitted on the others by ``bench/answers_calibration.py``).
Then 20% of the articles are deleted and the phrasings left with no right article asked again:
the share answered ``success: 0`` (target >= 90%); the phrasings that still have one are
reported apart (answering them from it is right). Five draws (the deleted articles are made
again between draws), and their mean: one draw's 13 articles decide much of its figure.

Scale: the FAQ articles plus filler articles up to 1,000 / 10,000 / 100,000 (titles and bodies
made of Banking77 customer requests, in a second folder; their passages are written by the
answers package's bulk path with vectors of pool texts, embedding each pool text once), then
p50 / p99 of ask-question (FAQ phrasings) and p50 at the largest over p50 at the smallest
(targets: p99 < 100 ms at 100,000; ratio <= 3).

Data: CovidFAQ from ``ML-Recipes/BERT-FAQ`` (MIT; questions from the JHU COVID-QA project) and
Banking77 (PolyAI, CC-BY-4.0; Casanueva et al., 2020), in ``../shared/data/faq-dev``.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s  # type: ignore[import-untyped]
import httpx
import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from _faq import DEFAULT_DATA, Entry, Phrasing, distinct_phrasings, load_entries
from _filler import SEED, add_filler, filler_pool
from kbsmith.api.app import create_app
from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.logging import configure_logging
from kbsmith.settings import Settings
from kbsmith.workspaces import service as workspaces
from kbsmith.workspaces.service import Scope
from knowledge import fresh_database

SECRET = "bench-secret-key-for-api-key-hashes"
ASK = "/v2/bots/ask-question"
DELETED_SHARE = 0.2
DRAWS = 5
"""Draws of deleted articles: one draw deletes 13 articles, and its phrasings' refusals vary
with them (0.67 to 0.95 over 100 simulated draws)."""


@dataclass
class Api:
    http: httpx.AsyncClient
    headers: dict[str, str]

    async def post(self, path: str, body: Any) -> Any:
        response = await self.http.post(path, json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()


async def open_api(url: str, workdir: Path) -> tuple[Api, Database, uuid.UUID]:
    db = Database(url)
    await migrate.upgrade(db)
    async with db.write() as session:
        owner = await workspaces.get_or_create_workspace(session, "bench")
        key = await workspaces.create_key(
            session, owner, {Scope.READ, Scope.WRITE}, "b", SECRET.encode()
        )
    settings = Settings(
        data_dir=workdir / "data",
        database_url=url,
        secret_key=SECRET,
        rate_limit=1_000_000_000,  # every request is counted, none refused
    )
    app = create_app(settings, db)
    transport = httpx.ASGITransport(app=app)
    http = httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60)
    return Api(http, {"Authorization": f"Bearer {key.secret}"}), db, owner.id


async def create_faq(
    api: Api, entries: list[Entry], folder_id: str | None = None
) -> tuple[str, dict[str, str]]:
    """One live article per entry (in a new folder unless ``folder_id``): the folder and the
    article ids by entry key."""
    if folder_id is None:
        folder = {"title": "COVID-19", "parentFolderId": None}
        folder_id = (await api.post("/v2/hc-folders/public", folder))["id"]
    ids = {}
    for entry in entries:
        body: dict[str, Any] = {
            "title": entry.title,
            "mainKnowledge": entry.body,
            "questions": entry.questions,
            "keywords": entry.keywords,
            "parentFolderId": folder_id,
        }
        ids[entry.key] = (await api.post("/v2/hc-articles/public", body))["id"]
    return folder_id, ids


Ranked = tuple[list[str], set[str]]
"""The article ids in the order given, and the right ones."""


def first_right(got: list[str], rights: set[str]) -> int | None:
    return next((i for i, article in enumerate(got[:5]) if article in rights), None)


def ranks_metrics(ranked: list[Ranked]) -> dict[str, float]:
    n = len(ranked)
    hits = [first_right(got, rights) for got, rights in ranked]
    top1 = sum(1 for hit in hits if hit == 0) / n
    top5 = sum(1 for hit in hits if hit is not None) / n
    mrr = sum(1 / (hit + 1) for hit in hits if hit is not None) / n
    return {"top1": top1, "top5": top5, "mrr": mrr}


def bm25_rankings(entries: list[Entry], ids: dict[str, str], asked: list[str]) -> list[list[str]]:
    corpus = [f"{e.title}\n{e.body}" for e in entries]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False
    )
    tokens = bm25s.tokenize(asked, stopwords="en", show_progress=False)
    found, _ = retriever.retrieve(tokens, k=5, show_progress=False)
    return [[ids[entries[i].key] for i in row] for row in found]


def rights_of(phrasing: Phrasing, ids: dict[str, str]) -> set[str]:
    return {ids[key] for key in phrasing.keys if key in ids}


async def quality(api: Api, entries: list[Entry], label: str) -> None:
    folder_id, ids = await create_faq(api, entries)
    phrasings = distinct_phrasings(entries)
    bm25 = bm25_rankings(entries, ids, [p.text for p in phrasings])
    ours = [await api.post(ASK, {"question": p.text}) for p in phrasings]
    ranked = [
        ([b["source_id"] for b in a["based_on"]], rights_of(p, ids))
        for p, a in zip(phrasings, ours, strict=True)
    ]
    baseline = [(got, rights_of(p, ids)) for p, got in zip(phrasings, bm25, strict=True)]
    held = [i for i, p in enumerate(phrasings) if not p.fit]
    print(f"\n== quality, {label}: {len(entries)} articles, {len(ours)} distinct phrasings ==")
    for name, rows in (("all", range(len(ours))), ("held-out", held)):
        mine = ranks_metrics([ranked[i] for i in rows])
        base = ranks_metrics([baseline[i] for i in rows])
        answered = sum(ours[i]["success"] for i in rows) / len(rows)
        right = sum(1 for i in rows if ours[i]["success"] and first_right(*ranked[i]) == 0)
        print(
            f"  {name:9s} kbsmith top1 {mine['top1']:.3f} top5 {mine['top5']:.3f} "
            f"MRR {mine['mrr']:.3f} | BM25 top1 {base['top1']:.3f} top5 {base['top5']:.3f} "
            f"MRR {base['mrr']:.3f} | top1 - BM25 {mine['top1'] - base['top1']:+.3f} | "
            f"success:1 {answered:.3f} (right article {right / len(rows):.3f})"
        )
    refused = []
    for draw in range(DRAWS):
        refused.append(await deleted(api, entries, ids, phrasings, draw))
        # the deleted articles come back (new ids) for the next draw
        ids = {**ids, **(await create_faq(api, deleted_in(entries, draw), folder_id))[1]}
    print(
        f"  refused when deleted over {DRAWS} draws: mean {statistics.mean(refused):.3f} "
        f"(min {min(refused):.3f}, max {max(refused):.3f}; target >= 0.90)"
    )


def deleted_in(entries: list[Entry], draw: int) -> list[Entry]:
    """The entries whose articles one draw deletes (the first draw is the seed's)."""
    return random.Random(SEED + draw).sample(entries, round(len(entries) * DELETED_SHARE))


async def deleted(
    api: Api, entries: list[Entry], ids: dict[str, str], phrasings: list[Phrasing], draw: int
) -> float:
    """Deletes one draw of 20% of the articles and asks the phrasings that no longer have a
    right article: the share answered ``success: 0``."""
    gone = deleted_in(entries, draw)
    for entry in gone:
        response = await api.http.delete(
            f"/v2/hc-articles/{ids[entry.key]}/public", headers=api.headers
        )
        assert response.status_code == 200
    left = {key: ids[key] for key in ids if key not in {e.key for e in gone}}
    touched = [p for p in phrasings if p.keys & {e.key for e in gone}]
    orphans = [p for p in touched if not rights_of(p, left)]
    asked = [await api.post(ASK, {"question": p.text}) for p in orphans]
    refused = sum(1 for a in asked if a["success"] == 0) / len(asked)
    others = [p for p in touched if rights_of(p, left)]
    answers = [await api.post(ASK, {"question": p.text}) for p in others]
    right = sum(
        1
        for p, a in zip(others, answers, strict=True)
        if a["success"]
        and first_right([b["source_id"] for b in a["based_on"]], rights_of(p, left)) == 0
    )
    print(
        f"  draw {draw}: after deleting {len(gone)} articles, {len(asked)} phrasings left with no "
        f"right article answered success:0 {refused:.3f}; {len(others)} that still have one "
        f"answered from it {right / max(1, len(others)):.3f}"
    )
    return refused


async def latency(api: Api, entries: list[Entry], samples: int) -> tuple[float, float]:
    phrasings = [p for e in entries for p in e.phrasings]
    chosen = random.Random(SEED).choices(phrasings, k=samples + 10)
    timings = []
    for index, question in enumerate(chosen):
        started = time.perf_counter()
        await api.post(ASK, {"question": question})
        if index >= 10:
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), float(np.percentile(timings, 99))


async def scale(
    kind: str,
    postgres_url: str | None,
    entries: list[Entry],
    scales: list[int],
    samples: int,
    data: Path,
    workdir: Path,
) -> None:
    pool, vectors = filler_pool(data)
    p50s = {}
    print(f"\n== latency, {kind} ==")
    for size in scales:
        url = await fresh_database(kind, postgres_url, workdir)
        api, db, workspace_id = await open_api(url, workdir)
        started = time.perf_counter()
        await create_faq(api, entries)
        await add_filler(db, workspace_id, max(0, size - len(entries)), pool, vectors)
        built = time.perf_counter() - started
        p50, p99 = await latency(api, entries, samples)
        p50s[size] = p50
        print(f"  {size:>7,} articles (built in {built:.0f} s): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        await api.http.aclose()
        await db.dispose()
        await drop_database(url)
    if len(p50s) > 1:
        ratio = p50s[max(p50s)] / p50s[min(p50s)]
        print(f"  p50 at {max(p50s):,} / p50 at {min(p50s):,}: {ratio:.2f} (target <= 3)")


async def drop_database(url: str) -> None:
    """PostgreSQL databases made by ``fresh_database`` are dropped after use (SQLite files go
    with the temporary directory)."""
    if url.startswith("sqlite"):
        return
    admin = create_async_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as connection:
        name = make_url(url).database
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def main(args: argparse.Namespace) -> None:
    configure_logging("WARNING")
    entries = load_entries(args.data)
    kinds = ["sqlite"] + (["postgresql"] if args.postgres_url else [])
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        for kind in [] if args.skip_quality else kinds:
            url = await fresh_database(kind, args.postgres_url, workdir)
            api, db, _ = await open_api(url, workdir)
            await quality(api, entries, kind)
            await api.http.aclose()
            await db.dispose()
            await drop_database(url)
        if not args.skip_scale:
            for kind in kinds:
                await scale(
                    kind, args.postgres_url, entries, args.scales, args.samples, args.data, workdir
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales", type=lambda v: [int(x) for x in v.split(",")], default=[1_000, 10_000, 100_000]
    )
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--postgres-url", default=os.environ.get("KBSMITH_TEST_POSTGRES_URL"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    asyncio.run(main(parser.parse_args()))
