"""One workspace's candidate articles, indexed so that a job looks closely at a few dozen.

A job must find every article that may decide its fate: the source's own article, any article
that already holds one of its paragraphs, any whose title may agree with its title, and the
closest ones by meaning and by rare shared words. Inverted indexes and one matrix product find
them without visiting the others; only that shortlist gets the exact (TF-IDF, vector) scores.
"""

from __future__ import annotations

import heapq
import math
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kbsmith.generation.features import Features, Vector
from kbsmith.generation.inputs import Candidate
from kbsmith.generation.keywords import WorkspaceTerms

TITLE_AGREEMENT_JACCARD = 0.6
NEAREST_BY_BODY = 40
NEAREST_BY_TITLE = 20
NEAREST_BY_WORDS = 40
RARE_QUERY_TERMS = 32
"""Rare words carry the lexical signal; common ones would make every article a neighbour."""


@dataclass(frozen=True)
class IndexedArticle:
    candidate: Candidate
    features: Features


@dataclass(frozen=True)
class Shortlisted:
    entry: IndexedArticle
    lexical: float
    """TF-IDF cosine of the article's terms and the new content's."""


@dataclass
class _Entry:
    version: int
    article: IndexedArticle
    term_ids: np.ndarray[Any, np.dtype[np.int64]]
    log_tf: np.ndarray[Any, np.dtype[np.float64]]
    slot: int


class WorkspaceIndex:
    def __init__(self) -> None:
        self._entries: dict[uuid.UUID, _Entry] = {}
        self._vocabulary: dict[str, int] = {}
        self._df = np.zeros(1024, dtype=np.float64)
        self._by_title_term: dict[str, set[uuid.UUID]] = {}
        self._by_title_key: dict[str, set[uuid.UUID]] = {}
        self._by_paragraph: dict[str, set[uuid.UUID]] = {}
        self._by_term: dict[int, set[uuid.UUID]] = {}
        self._vectors = _VectorTable()

    def __len__(self) -> int:
        return len(self._entries)

    def versions(self) -> dict[uuid.UUID, int]:
        return {i: e.version for i, e in self._entries.items()}

    def document_frequencies(self, terms: Iterable[str]) -> WorkspaceTerms:
        """How many articles use each of *terms* (stemmed, as `Features.terms` has them)."""
        frequency = {}
        for term in terms:
            term_id = self._vocabulary.get(term)
            if term_id is not None and self._df[term_id] > 0:
                frequency[term] = int(self._df[term_id])
        return WorkspaceTerms(len(self._entries), frequency)

    def version_of(self, article_id: uuid.UUID) -> int | None:
        entry = self._entries.get(article_id)
        return entry.version if entry else None

    def add(self, version: int, article: IndexedArticle) -> None:
        article_id = article.candidate.id
        self.remove(article_id)
        features = article.features
        ids = np.array(sorted(self._term_id(t) for t in features.terms), dtype=np.int64)
        terms = {self._vocabulary[t]: c for t, c in features.terms.items()}
        log_tf = np.array([1 + math.log(terms[i]) for i in ids], dtype=np.float64)
        self._df[ids] += 1
        for term_id in ids:
            self._by_term.setdefault(int(term_id), set()).add(article_id)
        for term in features.title_terms:
            self._by_title_term.setdefault(term, set()).add(article_id)
        self._by_title_key.setdefault(features.title_key, set()).add(article_id)
        for key in features.paragraph_keys:
            self._by_paragraph.setdefault(key, set()).add(article_id)
        slot = self._vectors.put(article_id, features.title_vector, features.body_vector)
        self._entries[article_id] = _Entry(version, article, ids, log_tf, slot)

    def remove(self, article_id: uuid.UUID) -> None:
        entry = self._entries.pop(article_id, None)
        if entry is None:
            return
        self._df[entry.term_ids] -= 1
        features = entry.article.features
        for term_id in entry.term_ids:
            _discard(self._by_term, int(term_id), article_id)
        for term in features.title_terms:
            _discard(self._by_title_term, term, article_id)
        _discard(self._by_title_key, features.title_key, article_id)
        for key in features.paragraph_keys:
            _discard(self._by_paragraph, key, article_id)
        self._vectors.drop(entry.slot)

    def shortlist(
        self,
        new: Features,
        linked_id: uuid.UUID | None,
        folder_ids: Collection[uuid.UUID] | None = None,
    ) -> list[Shortlisted]:
        """The articles worth scoring closely for *new*, each with its exact lexical score."""
        idf = self._idf()
        query = self._query_weights(new.terms, idf)
        ids: set[uuid.UUID] = {linked_id} if linked_id in self._entries else set()
        for key in new.paragraph_keys:
            ids |= self._by_paragraph.get(key, set())
        ids |= self._title_matches(new.title_terms)
        ids |= self._by_title_key.get(new.title_key, set())
        in_scope = self._scope_test(folder_ids)
        ids |= self._nearest_by_words(query, idf, in_scope)
        ids |= self._vectors.nearest(new.body_vector, NEAREST_BY_BODY, in_scope)
        ids |= self._vectors.nearest(new.title_vector, NEAREST_BY_TITLE, in_scope, titles=True)
        chosen = [self._entries[i] for i in ids]
        if folder_ids is not None:
            chosen = [e for e in chosen if e.article.candidate.parent_folder_id in folder_ids]
        return [Shortlisted(e.article, self._cosine(query, e, idf)) for e in chosen]

    def _scope_test(
        self, folder_ids: Collection[uuid.UUID] | None
    ) -> Callable[[uuid.UUID], bool] | None:
        if folder_ids is None:
            return None
        entries = self._entries
        return lambda i: entries[i].article.candidate.parent_folder_id in folder_ids

    def _term_id(self, term: str) -> int:
        term_id = self._vocabulary.setdefault(term, len(self._vocabulary))
        if term_id >= len(self._df):
            self._df = np.concatenate([self._df, np.zeros(len(self._df), dtype=np.float64)])
        return term_id

    def _idf(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        total = len(self._entries)
        idf: np.ndarray[Any, np.dtype[np.float64]] = np.log(
            (1 + total) / (1 + self._df[: len(self._vocabulary)]) + 1
        )
        return idf

    def _query_weights(
        self, terms: Counter[str], idf: np.ndarray[Any, np.dtype[np.float64]]
    ) -> _Query:
        """The new content's TF-IDF weights: known terms by id, and the norm of all of them."""
        unknown_idf = math.log(len(self._entries) + 2)  # df 0: log((1 + total) / 1 + 1)
        known: dict[int, float] = {}
        squares = 0.0
        for term, count in terms.items():
            term_id = self._vocabulary.get(term)
            weight = (1 + math.log(count)) * (unknown_idf if term_id is None else idf[term_id])
            squares += weight * weight
            if term_id is not None:
                known[term_id] = weight
        ids = np.array(sorted(known), dtype=np.int64)
        weights = np.array([known[i] for i in ids], dtype=np.float64)
        return _Query(ids, weights, math.sqrt(squares))

    def _cosine(self, query: _Query, entry: _Entry, idf: np.ndarray[Any, Any]) -> float:
        if not query.norm or not len(entry.term_ids):
            return 0.0
        shared, in_query, in_entry = np.intersect1d(
            query.ids, entry.term_ids, assume_unique=True, return_indices=True
        )
        if not len(shared):
            return 0.0
        weights = entry.log_tf * idf[entry.term_ids]
        norm = math.sqrt(float(weights @ weights))
        dot = float(query.weights[in_query] @ weights[in_entry])
        return dot / (query.norm * norm) if norm else 0.0

    def _title_matches(self, terms: frozenset[str]) -> set[uuid.UUID]:
        """Articles whose titles may agree: they share at least 60 % of the new title's terms
        (an agreeing title holds all of them, or is a subset that large)."""
        if not terms:
            return set()
        counts: Counter[uuid.UUID] = Counter()
        for term in terms:
            counts.update(self._by_title_term.get(term, ()))
        needed = math.ceil(TITLE_AGREEMENT_JACCARD * len(terms))
        return {i for i, n in counts.items() if n >= needed}

    def _nearest_by_words(
        self,
        query: _Query,
        idf: np.ndarray[Any, Any],
        in_scope: Callable[[uuid.UUID], bool] | None,
    ) -> set[uuid.UUID]:
        present = query.ids[self._df[query.ids] > 0]  # words no article holds match nothing
        if not len(present):
            return set()
        rare = present[np.argsort(-idf[present], kind="stable")[:RARE_QUERY_TERMS]]
        scores: dict[uuid.UUID, float] = {}
        for term_id in rare:
            weight = float(idf[term_id])
            for article_id in self._by_term.get(int(term_id), ()):
                if in_scope is None or in_scope(article_id):
                    scores[article_id] = scores.get(article_id, 0.0) + weight
        return set(heapq.nlargest(NEAREST_BY_WORDS, scores, key=scores.__getitem__))


@dataclass(frozen=True)
class _Query:
    ids: np.ndarray[Any, np.dtype[np.int64]]
    weights: np.ndarray[Any, np.dtype[np.float64]]
    norm: float


class _VectorTable:
    """Title and body vectors in two growing matrices, a row per article, rows reused."""

    def __init__(self) -> None:
        self._titles: np.ndarray[Any, Any] | None = None
        self._bodies: np.ndarray[Any, Any] | None = None
        self._owners: list[uuid.UUID | None] = []
        self._free: list[int] = []

    def put(self, article_id: uuid.UUID, title: Vector | None, body: Vector | None) -> int:
        if title is None or body is None:
            return -1
        if self._titles is None or self._bodies is None:
            self._titles = np.zeros((64, len(title)), dtype=np.float32)
            self._bodies = np.zeros((64, len(body)), dtype=np.float32)
        slot = self._free.pop() if self._free else len(self._owners)
        if slot == len(self._owners):
            self._owners.append(None)
        if slot >= len(self._titles):
            self._titles = _grown(self._titles)
            self._bodies = _grown(self._bodies)
        self._titles[slot], self._bodies[slot] = title, body
        self._owners[slot] = article_id
        return slot

    def drop(self, slot: int) -> None:
        if slot < 0 or self._titles is None or self._bodies is None:
            return
        self._titles[slot] = 0.0
        self._bodies[slot] = 0.0
        self._owners[slot] = None
        self._free.append(slot)

    def nearest(
        self,
        vector: Vector | None,
        limit: int,
        in_scope: Callable[[uuid.UUID], bool] | None,
        titles: bool = False,
    ) -> set[uuid.UUID]:
        matrix = self._titles if titles else self._bodies
        if vector is None or matrix is None or not self._owners:
            return set()
        similarity = matrix[: len(self._owners)] @ vector
        similarity[self._free] = -np.inf  # rows of removed articles rank last
        rows = (
            np.fromiter(
                (r for r, owner in enumerate(self._owners) if owner and in_scope(owner)),
                dtype=np.int64,
            )
            if in_scope
            else np.arange(len(self._owners))
        )
        if not len(rows):
            return set()
        depth = min(len(rows), limit)
        best = rows[np.argpartition(-similarity[rows], depth - 1)[:depth]]
        owners = (self._owners[int(row)] for row in best)
        return {i for i in owners if i is not None}


def _grown(matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    bigger = np.zeros((len(matrix) * 2, matrix.shape[1]), dtype=matrix.dtype)
    bigger[: len(matrix)] = matrix
    return bigger


def _discard(postings: dict[Any, set[uuid.UUID]], key: Any, article_id: uuid.UUID) -> None:
    owners = postings.get(key)
    if owners is not None:
        owners.discard(article_id)
        if not owners:
            del postings[key]
