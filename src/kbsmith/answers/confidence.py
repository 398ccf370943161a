"""Whether the best candidate answers the question, or is only a neighbour of an article that
is not there: a small logistic model over what retrieval measured. Pure functions.

The features describe the best candidate and how far it stands out: its score, the margin to
the second, its term coverage, its best title/question cosine and its body cosine. When the
right article exists it usually stands out; when it was deleted, several neighbours score
alike and none matches the question's words as well.

The weights and the floor are fitted by ``bench/answers_calibration.py`` on half of CovidFAQ
(positives: a right article ranked first; negatives: another article ranked first, the best
other article when the right ones are gone, and Banking77 requests, which no COVID article
answers), and written beside it in ``bench/answers_calibration.json``; the floor is the least
that refuses >= 95% of the questions whose articles are gone there (90% or 93% there refused
less than 90% on the other half). The other half checks them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple, Protocol

FEATURE_NAMES = ("bias", "score", "margin", "coverage", "title_or_question", "body")
WEIGHTS = (-6.4295, 3.6792, 7.1739, -0.7659, 3.7627, -1.668)
FLOOR = -0.8885
"""The least log-odds that answers (see the module's docstring)."""


class Scored(Protocol):
    """What the model reads of a candidate (``retrieval.Candidate`` is one)."""

    @property
    def score(self) -> float: ...

    @property
    def coverage(self) -> float: ...

    def similarity_of(self, *kinds: str) -> float: ...


class Features(NamedTuple):
    score: float
    margin: float
    coverage: float
    title_or_question: float
    body: float

    def vector(self) -> tuple[float, ...]:
        return (1.0, *self)


def features(ranked: Sequence[Scored]) -> Features | None:
    """The features of the best of ``ranked`` (best first); None when there is none."""
    if not ranked:
        return None
    best = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    return Features(
        best.score,
        best.score - second,
        best.coverage,
        best.similarity_of("title", "question"),
        best.similarity_of("body"),
    )


def log_odds(found: Features, weights: Sequence[float] = WEIGHTS) -> float:
    return math.fsum(w * x for w, x in zip(weights, found.vector(), strict=True))


def answers(
    ranked: Sequence[Scored], weights: Sequence[float] = WEIGHTS, floor: float = FLOOR
) -> bool:
    """Whether the best of ``ranked`` is confidently the article that answers."""
    found = features(ranked)
    return found is not None and log_odds(found, weights) >= floor
