"""Calibrates how ``answers/`` ranks candidates and when it answers, on CovidFAQ.

    .venv/bin/python bench/answers_calibration.py [--data DIR] [--banking N]

One live article per CovidFAQ entry (see ``_faq.py``) in a fresh SQLite workspace, written
through the knowledge service (so the passage index is the one the API keeps). Every customer
phrasing is retrieved once; for each candidate article the script keeps what retrieval
measured (cosines by passage kind, term coverage), so every weight and floor can be tried
without asking again.

Each distinct phrasing is asked once; its right articles are those of every entry it was
paired with (see ``_faq.Phrasing``). "Present": they exist (one should be first and answered).
"Absent": as if they were deleted, as ``bench/answers.py`` does, along with 20% of all the
articles (5 random draws per phrasing): the candidates without them (exact: a candidate's
score does not depend on the others; the neighbours left decide the margin). Banking77
requests (train for the fit, test for the check) are questions no COVID article answers.

The entries are split in half by hash. On the fit half: the weights of the score (best
ranking top-1), then the logistic model of ``answers/confidence.py`` (positives: present and
ranked first; negatives: present but another article first, absent, Banking77 train), whose
floor is the least log-odds that refuses >= 95% of absent phrasings (90% or 93% on the fit
half refused less on the other). Figures are printed for
both halves and written with the fitted numbers to ``answers_calibration.json`` beside this
script (copy the weights and floor into ``confidence.py``, the score weights into
``retrieval.py``, when they change). Without the model,
term coverage alone with its floor of ``service.py``. "ranking top1/top5/MRR" rank without
refusing; ``bench/answers.py`` measures ``based_on`` itself, where a refusal counts as a miss.

Data: CovidFAQ from ``ML-Recipes/BERT-FAQ`` (MIT; questions from the JHU COVID-QA project) and
Banking77 (PolyAI, CC-BY-4.0; Casanueva et al., 2020), in ``../shared/data/faq-dev``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from _faq import DEFAULT_DATA, Entry, distinct_phrasings, load_entries
from kbsmith.answers import confidence
from kbsmith.answers.retrieval import Candidate, retrieve
from kbsmith.answers.service import FLOOR_WITHOUT_MODEL
from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.generation.embeddings import load_embedder
from kbsmith.knowledge import articles, folders
from kbsmith.knowledge.content import ArticleContent
from kbsmith.logging import configure_logging
from kbsmith.workspaces import service as workspaces

Weights = tuple[float, float]
"""The semantic weight and the rare-terms weight of the score (see ``retrieval.py``)."""
WEIGHTS: list[Weights] = [
    (round(float(s), 2), r) for s in np.arange(0.0, 1.01, 0.1) for r in (0.0, 0.1, 0.2, 0.3)
]
REFUSED_TARGET = 0.95
"""Refused on the fit half: the target (>= 90% refused when the article is gone) is for
questions never seen, and 0.90 on the fit half refused only 0.846 on the other."""
DELETED_SHARE = 0.2
DRAWS = 5
BANKING_SAMPLE = 300
SEED = 12
RESULTS = Path(__file__).with_name("answers_calibration.json")


@dataclass(frozen=True)
class Measured:
    """What retrieval measured of one candidate article."""

    article: uuid.UUID
    lexical_rank: int
    semantic: float
    coverage: float
    rare_coverage: float
    by_kind: dict[str, float]


@dataclass(frozen=True)
class Asked:
    fit: bool
    rights: frozenset[uuid.UUID]
    """Empty: a Banking77 request, which no article answers."""
    found: list[Measured]
    gone: list[frozenset[uuid.UUID]]
    """The other articles deleted with the right ones, one set per draw."""


@dataclass(frozen=True)
class Ranked:
    """A candidate as ``confidence`` reads it, under a given semantic weight."""

    measured: Measured
    score: float

    @property
    def coverage(self) -> float:
        return self.measured.coverage

    def similarity_of(self, *kinds: str) -> float:
        return max((self.measured.by_kind.get(k, 0.0) for k in kinds), default=0.0)


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


def banking_requests(data: Path, part: str, count: int) -> list[str]:
    with (data / f"banking77-{part}.csv").open(encoding="utf-8") as handle:
        texts = [row["text"].strip() for row in csv.DictReader(handle)]
    return random.Random(SEED).sample(texts, min(count, len(texts)))


def measured(candidate: Candidate) -> Measured:
    kinds = ("title", "question", "body")
    return Measured(
        candidate.article_id,
        candidate.lexical_rank,
        max(candidate.similarities.values(), default=0.0),
        candidate.coverage,
        candidate.rare_coverage,
        {kind: candidate.similarity_of(kind) for kind in kinds},
    )


async def ask_all(
    db: Database,
    workspace_id: uuid.UUID,
    questions: Sequence[tuple[bool, frozenset[uuid.UUID], str]],
    model: bool,
    articles: Sequence[uuid.UUID],
) -> list[Asked]:
    embedder = load_embedder() if model else None
    rng = random.Random(SEED)
    deleted = round(len(articles) * DELETED_SHARE)
    asked = []
    async with db.read() as session:
        for fit, rights, question in questions:
            found = await retrieve(
                session, workspace_id, question, agent_id=None, embedder=embedder
            )
            others = [a for a in articles if a not in rights]
            gone = [
                frozenset(rng.sample(others, max(0, deleted - len(rights)))) for _ in range(DRAWS)
            ]
            asked.append(Asked(fit, rights, [measured(c) for c in found], gone))
    return asked


def ranked(found: Sequence[Measured], weight: Weights) -> list[Ranked]:
    semantic, rare = weight
    scored = [
        Ranked(m, semantic * m.semantic + (1 - semantic) * m.coverage + rare * m.rare_coverage)
        for m in found
    ]
    return sorted(scored, key=lambda r: (-r.score, r.measured.lexical_rank))


def present(asked: Asked, weight: Weights) -> list[Ranked]:
    return ranked(asked.found, weight)


def absent(asked: Asked, weight: Weights) -> list[list[Ranked]]:
    """The candidates left in each draw of deletions."""
    return [
        ranked([m for m in asked.found if m.article not in asked.rights | gone], weight)
        for gone in asked.gone
    ]


def first_is_right(candidates: list[Ranked], rights: frozenset[uuid.UUID]) -> bool:
    return bool(candidates) and candidates[0].measured.article in rights


def top1(sample: list[Asked], weight: Weights) -> float:
    return sum(first_is_right(present(a, weight), a.rights) for a in sample) / len(sample)


def top5_mrr(sample: list[Asked], weight: Weights) -> tuple[float, float]:
    top5 = mrr = 0.0
    for asked in sample:
        ranks = [r.measured.article for r in present(asked, weight)[:5]]
        hit = next((i for i, article in enumerate(ranks) if article in asked.rights), None)
        if hit is not None:
            top5 += 1
            mrr += 1 / (hit + 1)
    return top5 / len(sample), mrr / len(sample)


Model = tuple[list[float], float]
"""The logistic weights and the floor; or, without the embedding model, ([], coverage floor)."""


def odds(candidates: list[Ranked], weights: Sequence[float]) -> float:
    found = confidence.features(candidates)
    return -np.inf if found is None else confidence.log_odds(found, weights)


def answers(candidates: list[Ranked], model: Model) -> bool:
    weights, floor = model
    if not weights:
        return bool(candidates) and candidates[0].score >= floor
    return odds(candidates, weights) >= floor


def fit_logistic(rows: list[tuple[float, ...]], labels: list[float]) -> list[float]:
    """Newton's method (IRLS) with a little L2 on the log-loss."""
    x, y = np.array(rows), np.array(labels)
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ beta)))
        gradient = x.T @ (p - y) + 1e-2 * beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-2 * np.eye(len(beta))
        beta -= np.linalg.solve(hessian, gradient)
    return [round(float(b), 4) for b in beta]


def fit_model(fit: list[Asked], banking: list[Asked], weight: Weights) -> Model:
    rows, labels = [], []

    def add(candidates: list[Ranked], label: bool) -> None:
        found = confidence.features(candidates)
        if found is not None:
            rows.append(found.vector())
            labels.append(float(label))

    for asked in fit:
        candidates = present(asked, weight)
        add(candidates, first_is_right(candidates, asked.rights))
        for left in absent(asked, weight):
            add(left, False)
    for asked in banking:
        add(present(asked, weight), False)
    weights = fit_logistic(rows, labels)
    refused = sorted(odds(left, weights) for a in fit for left in absent(a, weight))
    floor = float(np.quantile(np.array(refused), REFUSED_TARGET)) + 1e-4
    return weights, round(floor, 4)


def figures(
    sample: list[Asked], banking: list[Asked], weight: Weights, model: Model
) -> dict[str, float]:
    answered = [answers(present(a, weight), model) for a in sample]
    right = [first_is_right(present(a, weight), a.rights) for a in sample]
    top5, mrr = top5_mrr(sample, weight)
    n = len(sample)
    return {
        "phrasings": n,
        "ranking top1": round(top1(sample, weight), 3),
        "top5": round(top5, 3),
        "MRR": round(mrr, 3),
        "answered (success 1)": round(sum(answered) / n, 3),
        "answered from the right article": round(
            sum(a and r for a, r in zip(answered, right, strict=True)) / n, 3
        ),
        "refused when deleted": round(
            sum(not answers(left, model) for a in sample for left in absent(a, weight))
            / (n * DRAWS),
            3,
        ),
        "Banking77 refused": round(
            sum(not answers(present(a, weight), model) for a in banking) / len(banking), 3
        ),
    }


def report(
    asked: list[Asked], banking: dict[bool, list[Asked]], label: str, weights: list[Weights]
) -> dict[str, Any]:
    fit = [a for a in asked if a.fit]
    held = [a for a in asked if not a.fit]
    weight = max(weights, key=lambda w: top1(fit, w))
    model: Model = (
        fit_model(fit, banking[True], weight) if weight[0] > 0 else ([], FLOOR_WITHOUT_MODEL)
    )
    print(f"\n== {label}: score weights {weight} (best top-1 on fit), model {model} ==")
    result: dict[str, Any] = {
        "semantic_weight": weight[0],
        "rare_terms_weight": weight[1],
        "weights": model[0],
        "floor": model[1],
    }
    for name, sample, fitting in (("fit", fit, True), ("held-out", held, False)):
        row = figures(sample, banking[fitting], weight, model)
        result[name] = row
        print(f"  {name:9s} " + "  ".join(f"{k}: {v}" for k, v in row.items()))
    return result


async def main(data: Path, banking_count: int) -> None:
    configure_logging("WARNING")
    entries = load_entries(data)
    with tempfile.TemporaryDirectory() as directory:
        db = Database(f"sqlite+aiosqlite:///{directory}/calibration.db")
        await migrate.upgrade(db)
        workspace_id, ids = await build(db, entries)
        phrasings = [
            (p.fit, frozenset(ids[key] for key in p.keys), p.text)
            for p in distinct_phrasings(entries)
        ]
        requests = [
            (part == "train", frozenset[uuid.UUID](), text)
            for part in ("train", "test")
            for text in banking_requests(data, part, banking_count)
        ]
        print(f"{len(entries)} articles, {len(phrasings)} phrasings, {len(requests)} Banking77")
        results = {}
        for model, label in ((True, "with the model"), (False, "without the model")):
            if model and load_embedder() is None:
                continue
            asked = await ask_all(db, workspace_id, phrasings, model, list(ids.values()))
            negatives = await ask_all(db, workspace_id, requests, model, list(ids.values()))
            banking = {fit: [a for a in negatives if a.fit == fit] for fit in (True, False)}
            results[label] = report(asked, banking, label, WEIGHTS if model else [(0.0, 0.0)])
        await db.dispose()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--banking", type=int, default=BANKING_SAMPLE)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.data, arguments.banking))
