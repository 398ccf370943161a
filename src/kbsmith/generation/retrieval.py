"""Hybrid retrieval: lexical (TF-IDF) and semantic (embeddings) closeness of new content to
every candidate article, plus the topic signals the decision needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kbsmith.generation.features import Features
from kbsmith.generation.inputs import FolderOption, ScoredCandidate
from kbsmith.generation.shortlist import TITLE_AGREEMENT_JACCARD, Shortlisted
from kbsmith.generation.text import title_terms
from kbsmith.generation.topic import SIGNALS, TopicModel, shipped_model, signals, with_margins

TOP_CANDIDATES = 10
SEMANTIC_WEIGHT = 0.6
CLEAR_MARGIN = 0.15
"""How much nearer than any other folder's articles an article must be for its folder to win
over the 3-closest average (0.15 changes nothing on Banking77; 0.1 and 0.05 lose 1 and 2)."""


@dataclass(frozen=True)
class FolderRow:
    id: uuid.UUID
    title: str
    path: str


def score_candidates(
    new: Features,
    shortlist: Sequence[Shortlisted],
    linked_id: uuid.UUID | None,
    source: tuple[uuid.UUID, str] | None = None,
    model: TopicModel | None = None,
) -> list[ScoredCandidate]:
    """Every shortlisted candidate scored, best first; the linked article always first.
    *source* is the (id, origin) of the document the new content comes from."""
    model = model or shipped_model()
    rows = [signals(new, item.entry.features, item.lexical) for item in shortlist]
    inputs = with_margins(rows, model.rival_floor)
    scored = [
        _score(
            new,
            item,
            row,
            model,
            linked=item.entry.candidate.id == linked_id,
            sibling=_sibling(item, source),
        )
        for item, row in zip(shortlist, inputs, strict=True)
    ]
    scored.sort(key=lambda s: (s.linked, s.score), reverse=True)
    return scored


def top(scored: list[ScoredCandidate], limit: int = TOP_CANDIDATES) -> list[ScoredCandidate]:
    return scored[:limit]


def _sibling(item: Shortlisted, source: tuple[uuid.UUID, str] | None) -> bool:
    """Generated from another document of the same site or provider (and not from this one)."""
    if source is None:
        return False
    sources = item.entry.candidate.sources
    return source not in sources and any(origin == source[1] for _, origin in sources)


def _score(
    new: Features,
    item: Shortlisted,
    row: tuple[float, ...],
    model: TopicModel,
    *,
    linked: bool,
    sibling: bool,
) -> ScoredCandidate:
    """The candidate's scores, read from its topic signals *row* where they are the same."""
    entry, lexical = item.entry, item.lexical
    old = entry.features
    title_overlap = row[SIGNALS.index("title_overlap")]
    title_similarity = _cosine(new.title_vector, old.title_vector, title_overlap)
    body_similarity = row[SIGNALS.index("body_similarity")]
    semantic = body_similarity if new.body_vector is not None else lexical
    return ScoredCandidate(
        candidate=entry.candidate,
        score=SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * lexical,
        title_similarity=title_similarity,
        body_similarity=body_similarity,
        containment=row[SIGNALS.index("containment")],
        title_agreement=_titles_agree(new.title_terms, old.title_terms),
        linked=linked,
        sibling=sibling,
        same_topic=model.probability(row),
        signals=row,
    )


def _cosine(a: np.ndarray | None, b: np.ndarray | None, fallback: float) -> float:
    if a is None or b is None:
        return fallback
    return float(np.dot(a, b))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _titles_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """Same subject: every distinguishing term is shared. 'Reset password (iOS)' and
    'Reset password (Android)' disagree however alike their bodies are."""
    if not a or not b:
        return False
    return a == b or (_jaccard(a, b) >= TITLE_AGREEMENT_JACCARD and (a <= b or b <= a))


def score_folders(
    folders: Sequence[FolderRow], scored: Sequence[ScoredCandidate], new_title_terms: frozenset[str]
) -> list[FolderOption]:
    """A folder fits as well as its 3 closest articles do on average, an empty one by its
    title; but the folder of an article clearly nearer than any other folder's fits best
    (a near-identical procedure's folder: "Export receipts" goes beside "Export invoices"
    however many loosely related articles another folder holds). On Banking77 (77 intents in
    8 folders, bench/folder_choice.py) this keeps the 59 of 77 the average placed right,
    which the single nearest article (47) or a similarity vote of the nearest 5 (57) lose."""
    by_folder: dict[uuid.UUID, list[float]] = {}
    for item in scored:
        by_folder.setdefault(item.candidate.parent_folder_id, []).append(item.score)
    clear = _clearly_nearest(scored)
    options = []
    for folder in folders:
        closest = sorted(by_folder.get(folder.id, []), reverse=True)[:3]
        title_fit = _jaccard(new_title_terms, title_terms(folder.title)) * 0.5
        fit = sum(closest) / len(closest) if closest else title_fit
        if clear is not None and clear.candidate.parent_folder_id == folder.id:
            fit = clear.score
        options.append(FolderOption(folder.id, folder.title, folder.path, max(fit, title_fit)))
    options.sort(key=lambda f: (f.score, f.path), reverse=True)
    return options


def _clearly_nearest(scored: Sequence[ScoredCandidate]) -> ScoredCandidate | None:
    """The nearest article when every other folder's nearest is CLEAR_MARGIN less near."""
    ranked = sorted(scored, key=lambda s: s.score, reverse=True)
    if not ranked:
        return None
    first = ranked[0]
    folder = first.candidate.parent_folder_id
    rival = next((s.score for s in ranked if s.candidate.parent_folder_id != folder), None)
    return first if rival is None or first.score - rival >= CLEAR_MARGIN else None
