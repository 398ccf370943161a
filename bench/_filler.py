"""Filler articles for large-workspace benchmarks, written straight into the database.

Titles and bodies are Banking77 customer requests (PolyAI, CC-BY-4.0), a title and three body
paragraphs drawn from a pool; each article gets one version and the answers index's passages,
with vectors of the pool's texts (each pool text embedded once), as the write path would.
"""

from __future__ import annotations

import csv
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from _common import version_row
from kbsmith.answers.index import add_passages, encode_vector, passage_rows
from kbsmith.answers.passages import article_passages
from kbsmith.db.database import Database
from kbsmith.generation.embeddings import load_embedder
from kbsmith.knowledge.models import Article, ArticleVersion, Folder

CHUNK = 2_000
POOL = 3_000
SEED = 12


@dataclass(frozen=True)
class FillerArticle:
    id: uuid.UUID
    title: str
    paragraphs: tuple[str, ...]


def banking_texts(data: Path, name: str = "banking77-train.csv") -> list[str]:
    with (data / name).open(encoding="utf-8") as handle:
        return list(dict.fromkeys(row["text"].strip() for row in csv.DictReader(handle)))


def filler_pool(data: Path, size: int = POOL) -> tuple[list[str], dict[str, bytes]]:
    texts = banking_texts(data)
    pool = random.Random(SEED).sample(texts, min(size, len(texts)))
    embedder = load_embedder()
    vectors = {}
    if embedder is not None:
        for start in range(0, len(pool), 256):
            batch = pool[start : start + 256]
            for t, v in zip(batch, embedder.embed(batch), strict=True):
                vectors[t] = encode_vector(v)
    return pool, vectors


async def add_filler(
    db: Database, workspace_id: uuid.UUID, count: int, pool: list[str], vectors: dict[str, bytes]
) -> list[FillerArticle]:
    """*count* live articles in a new folder "Banking"; answers what was written."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    written = []
    async with db.write() as session:
        folder_id = uuid.uuid4()
        await session.execute(
            insert(Folder),
            [
                {
                    "id": folder_id,
                    "workspace_id": workspace_id,
                    "parent_folder_id": None,
                    "title": "Banking",
                    "description": "",
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        for start in range(0, count, CHUNK):
            articles, passages = [], []
            for _ in range(min(CHUNK, count - start)):
                title, *body = rng.sample(pool, 4)
                row = filler_article(workspace_id, folder_id, title, "\n\n".join(body), now)
                articles.append(row)
                written.append(FillerArticle(row["id"], title, tuple(body)))
                wanted = article_passages(title, [title], ["banking"], row["main_knowledge"])
                own = {p.text: vectors.get(p.text) or vectors.get(body[0]) for p in wanted}
                passages += passage_rows(
                    workspace_id, row["id"], wanted, {k: v for k, v in own.items() if v}
                )
            await session.execute(insert(Article), articles)
            await session.execute(insert(ArticleVersion), [version_row(a) for a in articles])
            await add_passages(session, passages)
    if not db.is_sqlite:
        await vacuum(db)
    return written


async def vacuum(db: Database) -> None:
    """After a bulk load, as autovacuum would soon do: statistics, and the GIN index's pending
    list merged into the index (scanning a long pending list is slow)."""
    engine = create_async_engine(db.url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text("VACUUM ANALYZE"))
    await engine.dispose()


def filler_article(
    workspace_id: uuid.UUID, folder_id: uuid.UUID, title: str, body: str, now: datetime
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "workspace_id": workspace_id,
        "parent_folder_id": folder_id,
        "title": title,
        "main_knowledge": body,
        "agent_instruction": "",
        "questions": [title],
        "keywords": ["banking"],
        "escalation": False,
        "active": True,
        "public": True,
        "origin": "bench",
        "is_draft": False,
        "is_draft_published": False,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
