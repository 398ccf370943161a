"""What ranks an article for a question, and the fitted model that weighs it. Pure functions.

Each candidate article is described by signals that mean "this article answers the question"
(the same question in other words, the answer's opening by meaning, the question's words in
the article's title and questions, its rare words in the article at all, how much of the title
the question uses), and its score is a weighted sum of them. The last one is fitted to weigh
against: a title the question uses whole is most often a short, general one ("What is
COVID-19?") that nearly any question about the subject uses, and a more specific title holding
the question's words answers it better (top-1 on held-out CovidFAQ 0.588 without it, 0.650
with it). The weights, the weight of function words and the answer-or-refuse
model of ``confidence`` are fitted by ``bench/answers_calibration.py`` on half of CovidFAQ
(and Banking77 train as questions nothing answers) and shipped in ``data/model.json``.

Terms are lightly stemmed words without a few fillers ("the", "is", "of"); question words
("what", "how", "can") are kept: a customer's question and the FAQ title that answers it
usually ask the same way. Their weight is the fitted ``function_word_weight`` (they are not
counted in the database: each is held by too many passages to count cheaply); every other
term weighs by its rarity (``term_weight``, from the bounded counts retrieval makes).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from kbsmith.generation.text import STOPWORDS, stem, words

MODEL_PATH = Path(__file__).parent / "data" / "model.json"
COMMON_TERM_PASSAGES = 500
"""Terms are counted up to this many passages (see ``retrieval``): a term that common weighs
nothing."""
FILLER_WORDS = frozenset(
    [
        *("a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into"),
        *("is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then"),
        *("there", "these", "they", "this", "to", "was", "will", "with"),
    ]
)
"""Left out of the terms (bm25s's English list): they say nothing of what is asked."""
NEGATED = frozenset(
    [
        *("don", "doesn", "didn", "isn", "aren", "wasn", "weren", "can", "couldn", "won"),
        *("wouldn", "shouldn", "haven", "hasn", "hadn", "mustn"),
    ]
)
"""What is left of a negated contraction once split ("don't" → "don")."""
FUNCTION_WORDS = STOPWORDS | NEGATED
FUNCTION_STEMS = frozenset(stem(w) for w in FUNCTION_WORDS) - {stem(w) for w in FILLER_WORDS}
"""Kept, with the fitted ``function_word_weight``: "what", "how", "can", "my", …"""
APOSTROPHE = re.compile(r"['\u2019]")
BM25_K1 = 1.5
BM25_B = 0.75
TITLE_TERMS = 10.0
"""The length (in terms) of a typical title and its questions: BM25's length norm."""
TITLE_KINDS = ("title", "question")


def plain_words(text: str) -> list[str]:
    """``words``, contractions split: "what's" is "what" and "s", "don't" "don" and "t" (the
    databases' full text drops "what's" as a stopword, or splits it)."""
    return [part for word in words(text) for part in APOSTROPHE.split(word) if part]


def meaningful_words(text: str) -> list[str]:
    """Stemmed words but function words (``content_words``, contractions split)."""
    return [stem(w) for w in plain_words(text) if w not in FUNCTION_WORDS and len(w) > 1]


def question_terms(question: str) -> list[str]:
    """The question's terms: stemmed words but fillers, each once, in order."""
    found = [stem(w) for w in plain_words(question) if w not in FILLER_WORDS and len(w) > 1]
    return list(dict.fromkeys(found))


def term_weight(passages: int) -> float:
    """A term's rarity from the passages holding it (bounded as counted): an inverse document
    frequency over ``COMMON_TERM_PASSAGES``, so a term that common weighs nothing."""
    return max(0.0, math.log((COMMON_TERM_PASSAGES + 0.5) / (passages + 0.5)))


UNSEEN_WEIGHT = term_weight(0)
"""The weight of a term no passage holds (no other term weighs as much)."""


def term_weights(
    terms: Sequence[str], counted: Mapping[str, float], function_word_weight: float
) -> dict[str, float]:
    """Each term's weight: function words the fitted constant, others their counted rarity
    (``counted`` by stem; a term not counted weighs nothing)."""
    return {
        term: function_word_weight if term in FUNCTION_STEMS else counted.get(term, 0.0)
        for term in terms
    }


@dataclass(frozen=True)
class Fields:
    """An article's terms: those of its title and questions, and those of all its passages."""

    title: Counter[str]
    everything: Counter[str]
    title_words: frozenset[str]
    """The title's and questions' content words (``meaningful_words``)."""
    content: frozenset[str]
    """The content words of all its passages."""


def article_fields(passages: Iterable[tuple[str, str]]) -> Fields:
    """The fields of an article from its passages as ``(kind, text)``."""
    title: Counter[str] = Counter()
    everything: Counter[str] = Counter()
    title_words: set[str] = set()
    content: set[str] = set()
    for kind, text in passages:
        found = [w for w in plain_words(text) if len(w) > 1]
        terms = [stem(w) for w in found if w not in FILLER_WORDS]
        everything.update(terms)
        meaningful = {stem(w) for w in found if w not in FUNCTION_WORDS}
        content.update(meaningful)
        if kind in TITLE_KINDS:
            title.update(terms)
            title_words.update(meaningful)
    return Fields(title, everything, frozenset(title_words), frozenset(content))


def bm25(weights: Mapping[str, float], held: Counter[str], average_length: float) -> float:
    """Okapi BM25 of the weighted terms in one field (``held``: its term frequencies)."""
    length = sum(held.values())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average_length)
    return math.fsum(
        weight * held[term] * (BM25_K1 + 1) / (held[term] + norm)
        for term, weight in weights.items()
        if held[term]
    )


def weighted_share(weights: Mapping[str, float], held: Iterable[str]) -> float:
    """The weight of the terms among ``held`` over the weight of them all."""
    total = math.fsum(weights.values())
    if total <= 0:
        return 0.0
    present = set(held)
    return math.fsum(w for term, w in weights.items() if term in present) / total


class Signals(NamedTuple):
    """What one candidate article is, for one question."""

    title_similarity: float
    """The best cosine of the question with the article's title or one of its questions."""
    body_similarity: float
    """The cosine of the question with the article's (first) body passage."""
    title_bm25: float
    """BM25 of the question's terms in the title and questions."""
    title_bm25_share: float
    """``title_bm25`` over what a title made of the question itself would score."""
    title_coverage: float
    """The weighted share of the question's terms in the title and questions."""
    coverage: float
    """The weighted share of the question's terms anywhere in the article."""
    title_precision: float
    """The share of the title's and questions' content words that the question uses."""
    question_terms: float
    """How many terms the question has (the same for every candidate: how much the question
    says, which the answer model weighs the others by)."""
    question_weight: float
    """The weight of all its terms (likewise)."""
    content_title_coverage: float
    """The weighted share of the question's content terms (function words aside) in the title
    and questions."""
    missing_from_title: float
    """The weight of the rarest content term of the question the title and questions lack (0
    when they hold them all)."""
    missing_from_article: float
    """The same, of the whole article."""
    unseen_share: float
    """The weighted share of the question's content terms that no passage of the workspace
    holds (the same for every candidate: a word of the question the knowledge never uses)."""


SIGNAL_NAMES = Signals._fields
NO_SIGNALS = Signals(*(0.0 for _ in SIGNAL_NAMES))


class TitleMatch(NamedTuple):
    """Which of the question's content terms an article's title and questions hold (for
    ``confidence``: the best candidate's missing terms held by another candidate's title say
    that another article is about them)."""

    held: frozenset[str]
    missing: dict[str, float]
    """Those they lack, by weight."""
    weight: float
    """The weight of all the question's content terms."""


NO_MATCH = TitleMatch(frozenset(), {}, 0.0)


@dataclass(frozen=True)
class Weighed:
    """A question as every candidate is measured against it."""

    weights: dict[str, float]
    """Its terms' weights (``term_weights``)."""
    content: frozenset[str]
    """Its content words (``meaningful_words``)."""
    itself: float
    """BM25 of its terms in a title made of the question itself."""
    unseen_share: float
    """The weighted share of its content terms no passage holds (``Signals.unseen_share``)."""


def weighed(question: str, counted: Mapping[str, float], function_word_weight: float) -> Weighed:
    weights = term_weights(question_terms(question), counted, function_word_weight)
    itself = bm25(weights, Counter(list(weights)), TITLE_TERMS)
    content = {t: w for t, w in weights.items() if t not in FUNCTION_STEMS}
    unseen = math.fsum(w for w in content.values() if w >= UNSEEN_WEIGHT)
    total = math.fsum(content.values())
    share = unseen / total if total > 0 else 0.0
    return Weighed(weights, frozenset(meaningful_words(question)), itself, share)


def title_match(question: Weighed, fields: Fields) -> TitleMatch:
    content = {t: w for t, w in question.weights.items() if t not in FUNCTION_STEMS}
    held = frozenset(t for t in content if fields.title[t])
    missing = {t: w for t, w in content.items() if t not in held}
    return TitleMatch(held, missing, math.fsum(content.values()))


def signals(
    question: Weighed, fields: Fields, *, title_similarity: float, body_similarity: float
) -> Signals:
    title_bm25 = bm25(question.weights, fields.title, TITLE_TERMS)
    title_words = fields.title_words
    match = title_match(question, fields)
    missing = match.missing
    return Signals(
        title_similarity,
        body_similarity,
        title_bm25,
        title_bm25 / question.itself if question.itself > 0 else 0.0,
        weighted_share(question.weights, fields.title),
        weighted_share(question.weights, fields.everything),
        len(title_words & question.content) / len(title_words) if title_words else 0.0,
        len(question.weights),
        math.fsum(question.weights.values()),
        1.0 - math.fsum(missing.values()) / match.weight if match.weight > 0 else 0.0,
        max(missing.values(), default=0.0),
        max((w for t, w in missing.items() if not fields.everything[t]), default=0.0),
        question.unseen_share,
    )


@dataclass(frozen=True)
class AnswerModel:
    """The fitted weights (see the module's docstring)."""

    function_word_weight: float
    score_weights: dict[str, float]
    """Weights of (some of) ``SIGNAL_NAMES`` in the score."""
    confidence_weights: dict[str, float]
    """Weights of ``confidence.FEATURE_NAMES`` in the answer's log-odds."""
    floor: float
    """The least log-odds that answers."""

    def score(self, found: Signals) -> float:
        values = found._asdict()
        return math.fsum(w * values[name] for name, w in self.score_weights.items())

    def to_json(self) -> dict[str, object]:
        return {
            "function_word_weight": self.function_word_weight,
            "score_weights": self.score_weights,
            "confidence_weights": self.confidence_weights,
            "floor": self.floor,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> AnswerModel:
        score = _floats(data["score_weights"])
        unknown = set(score) - set(SIGNAL_NAMES)
        if unknown:
            raise ValueError(f"{MODEL_PATH.name} weighs unknown signals: {sorted(unknown)}")
        floor = data["floor"]
        function_word_weight = data["function_word_weight"]
        if not isinstance(floor, int | float) or not isinstance(function_word_weight, int | float):
            raise ValueError(f"{MODEL_PATH.name}: floor and function_word_weight are numbers")
        return cls(
            float(function_word_weight),
            score,
            _floats(data["confidence_weights"]),
            float(floor),
        )


def _floats(value: object) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ValueError(f"{MODEL_PATH.name}: weights are an object of numbers")
    return {str(k): float(v) for k, v in value.items()}


def answer_model(floor: float | None = None) -> AnswerModel:
    """The shipped model, answering from ``floor`` when one is given (``answer_floor``)."""
    model = shipped_model()
    return model if floor is None else dataclasses.replace(model, floor=floor)


@functools.cache
def shipped_model() -> AnswerModel:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    return AnswerModel.from_json(data)
