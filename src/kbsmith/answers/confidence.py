"""Whether the best candidate answers the question, or is only a neighbour of an article that
is not there: a logistic model over what ranking measured. Pure functions.

The features describe the best candidate and how far it stands out: its score and its margin
over the second; how well its title or questions match the question by meaning, and by how
much more than any other candidate's; the share of the question's (weighted) terms its title
and the whole article hold; how much of its title the question uses; its title's BM25 against
the question's own; and how much the question says (its terms, and their weight: a long
question's score is larger whether or not it is answered); and the words of the question its
title lacks: their share and the rarest one, and those of them another candidate's title holds
(another article is about them); and the share of the question's words no passage of the
workspace holds at all (the article that used them is not there). When the right article
exists it usually stands out on several of them; when it was deleted, a neighbour's title
says something else in alike words, or lacks a rare word of the question.

The weights and the floor are fitted by ``bench/answers_calibration.py`` on half of CovidFAQ
(positives: a right article ranked first; negatives: another article ranked first, the best
article left when the right ones are deleted with 20% of the others, and Banking77 train
requests, which no COVID article answers); the floor is the least log-odds that refuses 90%
of the fit half's questions whose articles were deleted, as scored by models fitted without
them (out of fold). They ship in ``data/model.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

from kbsmith.answers.ranking import AnswerModel, Signals, TitleMatch, shipped_model

RIVALS = 9
"""The candidates after the best whose titles are read for the best's missing terms."""


class Scored(Protocol):
    """What the model reads of a candidate (``retrieval.Candidate`` is one)."""

    @property
    def score(self) -> float: ...

    @property
    def signals(self) -> Signals: ...

    @property
    def title_match(self) -> TitleMatch: ...


class Features(NamedTuple):
    score: float
    margin: float
    title_similarity: float
    title_margin: float
    coverage: float
    title_coverage: float
    body_similarity: float
    title_precision: float
    title_bm25_share: float
    question_terms: float
    question_weight: float
    content_title_coverage: float
    missing_from_title: float
    missing_from_article: float
    missing_held_elsewhere: float
    """The weighted share of the question's content terms the best's title lacks and another
    candidate's title holds."""
    rarest_held_elsewhere: float
    """The weight of the rarest of those."""
    unseen_share: float
    """The weighted share of the question's content terms no passage holds."""


FEATURE_NAMES = ("bias", *Features._fields)


def features(ranked: Sequence[Scored]) -> Features | None:
    """The features of the best of ``ranked`` (best first); None when there is none."""
    if not ranked:
        return None
    best = ranked[0].signals
    second = ranked[1].score if len(ranked) > 1 else 0.0
    rival = max((c.signals.title_similarity for c in ranked[1:]), default=0.0)
    elsewhere = _held_elsewhere(ranked[0].title_match, ranked[1 : 1 + RIVALS])
    content_weight = ranked[0].title_match.weight
    return Features(
        ranked[0].score,
        ranked[0].score - second,
        best.title_similarity,
        best.title_similarity - rival,
        best.coverage,
        best.title_coverage,
        best.body_similarity,
        best.title_precision,
        best.title_bm25_share,
        best.question_terms,
        best.question_weight,
        best.content_title_coverage,
        best.missing_from_title,
        best.missing_from_article,
        math.fsum(elsewhere) / content_weight if content_weight > 0 else 0.0,
        max(elsewhere, default=0.0),
        best.unseen_share,
    )


def _held_elsewhere(best: TitleMatch, rivals: Sequence[Scored]) -> list[float]:
    """The weights of the content terms ``best`` lacks that a rival's title holds."""
    held = frozenset[str]().union(*(r.title_match.held for r in rivals))
    return [w for term, w in best.missing.items() if term in held]


def log_odds(found: Features, weights: Mapping[str, float]) -> float:
    values = {"bias": 1.0, **found._asdict()}
    return math.fsum(w * values[name] for name, w in weights.items())


class Judged(NamedTuple):
    answers: bool
    """Whether the best candidate is confidently the article that answers (``floor``)."""
    probability: float
    """The model's probability that it is."""


def judged(ranked: Sequence[Scored], model: AnswerModel | None = None) -> Judged:
    """What the model says of the best of ``ranked`` (best first): features and log-odds once."""
    model = model or shipped_model()
    found = features(ranked)
    if found is None:
        return Judged(False, 0.0)
    odds = log_odds(found, model.confidence_weights)
    return Judged(odds >= model.floor, _sigmoid(odds))


def _sigmoid(odds: float) -> float:
    if odds >= 0:
        return 1.0 / (1.0 + math.exp(-odds))
    return math.exp(odds) / (1.0 + math.exp(odds))
