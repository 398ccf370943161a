"""Calibrates the answer floor and the semantic weight of ``answers/retrieval.py`` on CovidFAQ.

    .venv/bin/python bench/answers_calibration.py [--data DIR]

One live article per CovidFAQ entry (see ``_faq.py``) in a fresh SQLite workspace, written
through the knowledge service (so the passage index is the one the API keeps). Every customer
phrasing is retrieved once; for each candidate article the script keeps the semantic and the
lexical part of its score, so every weight and floor can be tried without asking again.

"Present": the phrasing's own article exists (it should be first and above the floor).
"Absent": as if it were deleted: the best *other* article's score must stay below the floor
(an article's score does not depend on the others, so this is exact).

The entries are split in half by hash: the weight and the floor are chosen on the fit half
(the floor is the least one that refuses >= 90% of absent phrasings there) and the figures are
printed for both halves, with and without the embedding model. "ranking top1/top5/MRR" rank
the candidates without the floor (what retrieval alone achieves); ``bench/answers.py`` measures
``based_on`` itself, where a refusal (below the floor) counts as a miss.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from _faq import DEFAULT_DATA, Entry, load_entries
from kbsmith.answers.retrieval import retrieve
from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.generation.embeddings import load_embedder
from kbsmith.knowledge import articles, folders
from kbsmith.knowledge.content import ArticleContent
from kbsmith.logging import configure_logging
from kbsmith.workspaces import service as workspaces

WEIGHTS = [round(w, 2) for w in np.arange(0.0, 1.01, 0.1)]
REFUSED_TARGET = 0.90


@dataclass(frozen=True)
class Asked:
    fit: bool
    right: uuid.UUID
    parts: dict[uuid.UUID, tuple[float, float]]
    """(semantic, coverage) of every candidate article."""
    lexical_order: list[uuid.UUID]


async def build(db: Database, entries: list[Entry]) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    async with db.write() as session:
        workspace = await workspaces.get_or_create_workspace(session, "covidfaq")
        folder = await folders.create_folder(session, workspace.id, "COVID-19")
        ids = {}
        for entry in entries:
            content = ArticleContent(
                title=entry.title,
                main_knowledge=entry.body,
                questions=entry.questions,
                keywords=entry.keywords,
            )
            created = await articles.create_article(
                session, workspace.id, content, parent_folder_id=folder.id
            )
            ids[entry.key] = created.id
        return workspace.id, ids


async def ask_all(
    db: Database,
    workspace_id: uuid.UUID,
    entries: list[Entry],
    ids: dict[str, uuid.UUID],
    model: bool,
) -> list[Asked]:
    embedder = load_embedder() if model else None
    asked = []
    async with db.read() as session:
        for entry in entries:
            for phrasing in entry.phrasings:
                found = await retrieve(
                    session, workspace_id, phrasing, agent_id=None, embedder=embedder
                )
                parts = {
                    c.article_id: (max(c.similarities.values(), default=0.0), c.coverage)
                    for c in found
                }
                order = sorted(found, key=lambda c: c.lexical_rank)
                asked.append(Asked(entry.fit, ids[entry.key], parts, [c.article_id for c in order]))
    return asked


def scores(asked: Asked, weight: float) -> dict[uuid.UUID, float]:
    return {a: weight * s + (1 - weight) * c for a, (s, c) in asked.parts.items()}


def ranking(asked: Asked, weight: float) -> list[uuid.UUID]:
    scored = scores(asked, weight)
    rank = {a: i for i, a in enumerate(asked.lexical_order)}
    return sorted(scored, key=lambda a: (-scored[a], rank[a]))


def top1(sample: list[Asked], weight: float) -> float:
    return sum(1 for a in sample if ranking(a, weight)[:1] == [a.right]) / len(sample)


def top5_mrr(sample: list[Asked], weight: float) -> tuple[float, float]:
    ranks = [ranking(a, weight)[:5] for a in sample]
    top5 = sum(1 for r, a in zip(ranks, sample, strict=True) if a.right in r) / len(sample)
    mrr = sum(
        1 / (r.index(a.right) + 1) for r, a in zip(ranks, sample, strict=True) if a.right in r
    )
    return top5, mrr / len(sample)


def best_other(asked: Asked, weight: float) -> float:
    return max((s for a, s in scores(asked, weight).items() if a != asked.right), default=0.0)


def choose_floor(sample: list[Asked], weight: float) -> float:
    others = sorted(best_other(a, weight) for a in sample)
    return float(np.quantile(others, REFUSED_TARGET)) + 1e-4


def figures(sample: list[Asked], weight: float, floor: float) -> dict[str, float]:
    answered_right = sum(
        1
        for a in sample
        if ranking(a, weight)[:1] == [a.right] and scores(a, weight)[a.right] >= floor
    )
    answered = sum(1 for a in sample if max(scores(a, weight).values(), default=0) >= floor)
    refused = sum(1 for a in sample if best_other(a, weight) < floor)
    n = len(sample)
    top5, mrr = top5_mrr(sample, weight)
    return {
        "phrasings": n,
        "ranking top1": top1(sample, weight),
        "top5": top5,
        "MRR": mrr,
        "answered (success 1)": answered / n,
        "answered from the right article": answered_right / n,
        "refused when deleted": refused / n,
    }


def report(asked: list[Asked], label: str, weights: list[float]) -> None:
    fit = [a for a in asked if a.fit]
    held = [a for a in asked if not a.fit]
    weight = max(weights, key=lambda w: top1(fit, w))
    floor = choose_floor(fit, weight)
    print(f"\n== {label}: weight {weight:.2f} (best top-1 on fit), floor {floor:.4f} ==")
    for name, sample in (("fit", fit), ("held-out", held)):
        row = figures(sample, weight, floor)
        print(
            f"  {name:9s} "
            + "  ".join(
                f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in row.items()
            )
        )


async def main(data: Path) -> None:
    configure_logging("WARNING")
    entries = load_entries(data)
    with tempfile.TemporaryDirectory() as directory:
        db = Database(f"sqlite+aiosqlite:///{directory}/calibration.db")
        await migrate.upgrade(db)
        workspace_id, ids = await build(db, entries)
        print(f"{len(entries)} articles, {sum(len(e.phrasings) for e in entries)} phrasings")
        if load_embedder() is not None:
            report(await ask_all(db, workspace_id, entries, ids, True), "with the model", WEIGHTS)
        report(await ask_all(db, workspace_id, entries, ids, False), "without the model", [0.0])
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    asyncio.run(main(parser.parse_args().data))
