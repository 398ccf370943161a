"""Whether new content is about an existing article's topic: a logistic model over signals
that mean it (the same question asked in other words, the same facts present), fitted on
reworded and neighbouring support questions by ``bench/topic_fit.py``."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kbsmith.generation.features import Features

MODEL_PATH = Path(__file__).parent / "data" / "topic_model.json"
SIGNALS = (
    "question_similarity",
    "body_similarity",
    "containment",
    "coverage",
    "lexical",
    "title_overlap",
    "question_margin",
)


@dataclass(frozen=True)
class ClearMatch:
    """A topic that stands out: probable, and far more probable than every rival. A rewording of
    an article's question has one such match; content of a neighbouring topic competes with
    that topic's other neighbours. Fitted by ``bench/topic_fit.py``: *lead* is the largest lead
    of a wrong article over its runner-up among the fit cases' neighbouring intents (at
    *least* or more), plus a margin."""

    least: float
    """The least probability of the match."""
    lead: float
    """Its least lead over the runner-up, in log-odds."""
    rivals: int = 4
    """The fewest other candidates to lead: in a workspace of a few articles, a lead over the
    runner-up means nothing (a neighbouring topic would have no rival to compete with)."""

    def holds(self, best: float, others: list[float]) -> bool:
        lead = self.lead_of(best, others)
        return lead is not None and lead >= self.lead

    def lead_of(self, best: float, others: list[float]) -> float | None:
        """*best*'s lead over the runner-up of *others*, in log-odds; None when it is under
        *least* or has too few rivals for a lead to count."""
        if len(others) < self.rivals or best < self.least:
            return None
        return log_odds(best) - log_odds(max(others))


def log_odds(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class TopicModel:
    weights: tuple[float, ...]
    bias: float
    threshold: float
    """Probability from which two texts are taken as one topic."""
    rival_floor: float = 0.0
    """The question similarity an unrelated article reaches anyway: the rival an article's
    margin is measured against when the workspace holds no closer one (a workspace of one
    article must not make every question a clear match)."""
    clear_match: ClearMatch | None = None

    def probability(self, signals: tuple[float, ...]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, signals, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@functools.cache
def shipped_model() -> TopicModel:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    if tuple(data["signals"]) != SIGNALS:
        raise ValueError(f"{MODEL_PATH.name} was fitted on other signals: {data['signals']}")
    clear = data.get("clear_match")
    return TopicModel(
        tuple(data["weights"]),
        data["bias"],
        data["threshold"],
        data["rival_floor"],
        ClearMatch(clear["least"], clear["lead"], clear["rivals"]) if clear else None,
    )


def with_margins(rows: list[tuple[float, ...]], rival_floor: float) -> list[tuple[float, ...]]:
    """Each article's signals plus how much better its question matches than the best other
    article's (or than *rival_floor*): a rewording has one clear match, a neighbouring topic
    competes with others."""
    asked = [row[0] for row in rows]
    ordered = [*sorted(asked, reverse=True), rival_floor, rival_floor]
    margins = []
    for value in asked:
        rival = ordered[1] if value == ordered[0] else ordered[0]
        margins.append(value - max(rival, rival_floor))
    return [(*row, margin) for row, margin in zip(rows, margins, strict=True)]


def signals(new: Features, old: Features, lexical: float) -> tuple[float, ...]:
    """The model's inputs for new content against one article, in the order of SIGNALS but
    for the margin (`with_margins` adds it once every candidate has been scored)."""
    shared = len(new.paragraph_keys & old.paragraph_keys)
    return (
        _best_cosine(new.title_vector, old.question_vectors, _jaccard(new, old)),
        _cosine(new.body_vector, old.body_vector, lexical),
        shared / len(new.paragraph_keys) if new.paragraph_keys else 0.0,
        shared / len(old.paragraph_keys) if old.paragraph_keys else 0.0,
        lexical,
        _jaccard(new, old),
    )


def _best_cosine(a: np.ndarray | None, rows: np.ndarray | None, fallback: float) -> float:
    if a is None or rows is None or not len(rows):
        return fallback
    return float(np.max(rows @ a))


def _cosine(a: np.ndarray | None, b: np.ndarray | None, fallback: float) -> float:
    if a is None or b is None:
        return fallback
    return float(np.dot(a, b))


def _jaccard(new: Features, old: Features) -> float:
    union = new.title_terms | old.title_terms
    return len(new.title_terms & old.title_terms) / len(union) if union else 0.0
