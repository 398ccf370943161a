"""One workspace's candidate articles, indexed so that a job looks closely at a few dozen.

A job must find every article that may decide its fate: the source's own article, any article
that already holds one of its paragraphs, any whose title may agree with its title, and the
closest ones by meaning and by rare shared words. Postings of hashed keys (`postings.py`) and
one product with int8 vector matrices find them without visiting the others; only that
shortlist gets the exact (TF-IDF, vector) scores, from its articles' full features.

The index holds each article's compact features only (`compact.py`: ~1 KiB with its vectors):
the full ones (texts, term counts, float vectors) are read for the shortlist of each job
(`CandidateIndex.shortlist`), or kept whole when given (`add`: small sets, benchmarks, tests).
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kbsmith.generation.compact import (
    CompactFeatures,
    Keys,
    TermCounts,
    compact,
    hashed,
    idf,
    key_of,
    keys_of,
    term_arrays,
)
from kbsmith.generation.features import Features, Vector
from kbsmith.generation.inputs import Candidate
from kbsmith.generation.keywords import WorkspaceTerms
from kbsmith.generation.postings import Postings

TITLE_AGREEMENT_JACCARD = 0.6
NEAREST_BY_BODY = 40
NEAREST_BY_TITLE = 20
NEAREST_BY_WORDS = 40
RARE_QUERY_TERMS = 32
"""Rare words carry the lexical signal; common ones would make every article a neighbour."""
REBUILD_SHARE = 0.1
"""Postings added since the last rebuild, as a share of those built, that make a rebuild."""
NO_FOLDER = -1


@dataclass(frozen=True)
class IndexedArticle:
    candidate: Candidate
    features: Features
    terms: TermCounts | None = None
    """Its terms as arrays (read compactly: `features.terms` is then empty), else None."""


@dataclass(frozen=True)
class Shortlisted:
    entry: IndexedArticle
    lexical: float
    """TF-IDF cosine of the article's terms and the new content's."""


@dataclass(frozen=True)
class Query:
    """New content as the index looks it up."""

    features: Features
    compact: CompactFeatures


def query(new: Features) -> Query:
    return Query(new, compact(new))


class WorkspaceIndex:
    def __init__(self) -> None:
        self._slot_of: dict[uuid.UUID, int] = {}
        self._ids: list[uuid.UUID | None] = []
        self._versions: list[int] = []
        self._alive = np.zeros(64, dtype=np.bool_)
        self._folders = np.full(64, NO_FOLDER, dtype=np.int32)
        self._folder_codes: dict[uuid.UUID, int] = {}
        self._terms = Postings()
        self._paragraphs = Postings()
        self._title_terms = Postings()
        self._title_keys = Postings()
        self._vectors = _VectorTable()
        self._held: dict[uuid.UUID, IndexedArticle] = {}
        self._built = 0

    def __len__(self) -> int:
        return len(self._slot_of)

    def versions(self) -> dict[uuid.UUID, int]:
        return {i: self._versions[s] for i, s in self._slot_of.items()}

    def version_of(self, article_id: uuid.UUID) -> int | None:
        slot = self._slot_of.get(article_id)
        return None if slot is None else self._versions[slot]

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._slot_of

    def held(self, article_id: uuid.UUID) -> IndexedArticle | None:
        return self._held.get(article_id)

    def add(self, version: int, article: IndexedArticle) -> None:
        """An article with its full features, kept whole (no database behind this index)."""
        candidate = article.candidate
        self.add_compact(
            version, candidate.id, candidate.parent_folder_id, compact(article.features)
        )
        self._held[candidate.id] = article

    def add_compact(
        self, version: int, article_id: uuid.UUID, folder_id: uuid.UUID, features: CompactFeatures
    ) -> None:
        self.remove(article_id)
        slot = self._new_slot(version, article_id, folder_id)
        self._add_postings(slot, features)
        self._vectors.put(slot, features)

    def _add_postings(self, slot: int, features: CompactFeatures) -> None:
        self._terms.add(slot, features.term_keys)
        self._paragraphs.add(slot, features.paragraph_keys)
        self._title_terms.add(slot, features.title_terms)
        self._title_keys.add(slot, np.array([features.title_key], dtype=np.int64))

    def _new_slot(self, version: int, article_id: uuid.UUID, folder_id: uuid.UUID) -> int:
        slot = len(self._ids)
        self._ids.append(article_id)
        self._versions.append(version)
        self._slot_of[article_id] = slot
        if slot >= len(self._alive):
            self._alive = np.concatenate([self._alive, np.zeros(len(self._alive), np.bool_)])
            self._folders = np.concatenate(
                [self._folders, np.full(len(self._folders), NO_FOLDER, np.int32)]
            )
        self._alive[slot] = True
        self._folders[slot] = self._folder_codes.setdefault(folder_id, len(self._folder_codes))
        return slot

    def remove(self, article_id: uuid.UUID) -> None:
        slot = self._slot_of.pop(article_id, None)
        if slot is None:
            return
        self._held.pop(article_id, None)
        self._alive[slot] = False
        self._ids[slot] = None
        for postings in self._all_postings():
            postings.remove(slot)

    def loading(self, articles: int) -> None:
        """About *articles* come next (a workspace loaded whole, `add_many`): the vector rows
        are made once (growing by doubling would hold both)."""
        self._vectors.reserve(len(self._ids) + articles)

    def add_many(self, items: list[tuple[int, uuid.UUID, uuid.UUID, CompactFeatures]]) -> None:
        """(version, article id, folder id, features) of many articles: their postings kept
        flat until `settle` builds them (no small array per article meanwhile)."""
        if not items:
            return
        for _, article_id, _, _ in items:
            self.remove(article_id)
        first = len(self._ids)
        for version, article_id, folder_id, features in items:
            slot = self._new_slot(version, article_id, folder_id)
            self._vectors.put(slot, features)
        slots = np.arange(first, len(self._ids), dtype=np.int32)
        added = sum(len(f.term_keys) for *_, f in items)
        if not self._rebuild_due(self._terms.recent_postings + added):
            # a few articles (another worker's, with stored features): kept as recent
            # postings, as `add_compact` keeps them; a rebuild per refresh would cost a job
            # the whole workspace's postings
            for slot, (*_, features) in zip(slots.tolist(), items, strict=True):
                self._add_postings(slot, features)
            return
        for postings, keys in (
            (self._terms, [f.term_keys for *_, f in items]),
            (self._paragraphs, [f.paragraph_keys for *_, f in items]),
            (self._title_terms, [f.title_terms for *_, f in items]),
            (self._title_keys, [np.array([f.title_key], dtype=np.int64) for *_, f in items]),
        ):
            lengths = [len(k) for k in keys]
            postings.add_many(np.repeat(slots, lengths), np.concatenate(keys))

    def settle(self) -> bool:
        """After changes: rebuild the postings when enough was added or removed since (and
        answer whether it did)."""
        dead = len(self._ids) - len(self._slot_of)
        if (
            self._rebuild_due(self._terms.recent_postings)
            or dead > len(self._slot_of) // 4
            or any(p.bulk_pending for p in self._all_postings())
        ):
            self._rebuild()
            return True
        return False

    def _rebuild_due(self, recent_postings: int) -> bool:
        return recent_postings > max(1_000, REBUILD_SHARE * self._built)

    def document_frequencies(self, terms: Iterable[str]) -> WorkspaceTerms:
        """How many articles use each of *terms* (stemmed, as `Features.terms` has them)."""
        listed = list(dict.fromkeys(terms))
        counts = self._terms.counts(np.array([key_of(t) for t in listed], dtype=np.int64))
        frequency = {t: int(c) for t, c in zip(listed, counts, strict=True) if c > 0}
        return WorkspaceTerms(len(self), frequency)

    def shortlist_ids(
        self,
        new: Query,
        linked_id: uuid.UUID | None,
        folder_ids: Collection[uuid.UUID] | None = None,
    ) -> set[uuid.UUID]:
        """The articles worth scoring closely for *new*."""
        features = new.compact
        alive = self._alive
        slots: list[np.ndarray[Any, Any]] = [
            self._paragraphs.slots(features.paragraph_keys, alive),
            self._title_matches(features.title_terms),
            self._title_keys.slots(np.array([features.title_key], dtype=np.int64), alive),
        ]
        scope = self._scope(folder_ids)
        slots.append(self._nearest_by_words(new.features.terms, scope))
        slots.append(self._vectors.nearest(new.features.body_vector, NEAREST_BY_BODY, scope))
        slots.append(
            self._vectors.nearest(new.features.title_vector, NEAREST_BY_TITLE, scope, titles=True)
        )
        found = {self._ids[int(s)] for s in np.unique(np.concatenate(slots))}
        if linked_id in self._slot_of:
            found.add(linked_id)
        return {i for i in found if i is not None}

    def shortlist(
        self,
        new: Features,
        linked_id: uuid.UUID | None,
        folder_ids: Collection[uuid.UUID] | None = None,
    ) -> list[Shortlisted]:
        """From the articles this index holds whole (`add`), as they are."""
        ids = self.shortlist_ids(query(new), linked_id, folder_ids)
        chosen = _in_folders([self._held[i] for i in ids], folder_ids)
        lexical = self._lexical(hashed(new), [_hashed(e) for e in chosen])
        return [Shortlisted(e, x) for e, x in zip(chosen, lexical, strict=True)]

    def scored(
        self,
        new: Features,
        entries: Iterable[IndexedArticle],
        folder_ids: Collection[uuid.UUID] | None = None,
    ) -> list[Shortlisted]:
        """*entries* (shortlisted articles) with their exact lexical score; *new* and their
        features named by keys (`compact.hashed`)."""
        chosen = _in_folders(list(entries), folder_ids)
        lexical = self._lexical(new, chosen)
        return [Shortlisted(e, x) for e, x in zip(chosen, lexical, strict=True)]

    def _lexical(self, new: Features, entries: list[IndexedArticle]) -> list[float]:
        """TF-IDF cosines of *new* with each of *entries* (both named by keys), in arrays:
        a job scores ~150 articles of hundreds of terms each."""
        query = term_arrays(new.terms)
        listed = [query, *(_terms_of(e) for e in entries)]
        keys = np.concatenate([k for k, _ in listed])
        unique, inverse = np.unique(keys, return_inverse=True)
        counts = np.concatenate([c for _, c in listed]).astype(np.float64)
        weights = (1 + np.log(counts)) * idf(len(self), self._terms.counts(unique))[inverse]
        asked = np.zeros(len(unique), dtype=np.float64)
        asked[inverse[: len(query[0])]] = weights[: len(query[0])]
        owner = np.repeat(np.arange(len(listed)), [len(k) for k, _ in listed])
        dots = np.bincount(owner, weights * asked[inverse], minlength=len(listed))
        norms = np.sqrt(np.bincount(owner, weights * weights, minlength=len(listed)))
        cosines = np.divide(
            dots[1:], norms[0] * norms[1:], out=np.zeros(len(entries)), where=dots[1:] > 0
        )
        return [float(c) for c in cosines]

    def _all_postings(self) -> tuple[Postings, ...]:
        return (self._terms, self._paragraphs, self._title_terms, self._title_keys)

    def _rebuild(self) -> None:
        """Slots renumbered 0..n-1 without the removed ones, postings built in bulk."""
        living = np.flatnonzero(self._alive[: len(self._ids)])
        renumbered = len(living) < len(self._ids)
        numbers = np.full(len(self._ids), -1, dtype=np.int64)
        numbers[living] = np.arange(len(living), dtype=np.int64)
        if renumbered:  # else (a workspace just loaded) they hold already
            self._ids = [self._ids[s] for s in living.tolist()]
            self._versions = [self._versions[s] for s in living.tolist()]
            self._slot_of = {i: n for n, i in enumerate(self._ids) if i is not None}
        size = max(64, len(living) + len(living) // 4)
        folders = np.full(size, NO_FOLDER, dtype=np.int32)
        folders[: len(living)] = self._folders[living]
        self._folders = folders
        self._alive = np.zeros(size, dtype=np.bool_)
        self._alive[: len(living)] = True
        if renumbered:
            self._vectors.keep(living.tolist(), size)
        for postings in self._all_postings():
            postings.rebuild(numbers)
        self._built = self._terms.size

    def _scope(self, folder_ids: Collection[uuid.UUID] | None) -> np.ndarray[Any, Any]:
        """The living slots' mask, within the folders when given."""
        alive = self._alive[: len(self._ids)]
        if folder_ids is None:
            return alive
        codes = [self._folder_codes[f] for f in folder_ids if f in self._folder_codes]
        in_folders: np.ndarray[Any, Any] = np.isin(self._folders[: len(self._ids)], codes)
        scoped: np.ndarray[Any, Any] = alive & in_folders
        return scoped

    def _title_matches(self, terms: Keys) -> np.ndarray[Any, Any]:
        """Articles whose titles may agree: they share at least 60 % of the new title's terms
        (an agreeing title holds all of them, or is a subset that large)."""
        if not len(terms):
            return np.empty(0, dtype=np.int64)
        slots = self._title_terms.slots(terms, self._alive)
        needed = math.ceil(TITLE_AGREEMENT_JACCARD * len(terms))
        found, counts = np.unique(slots, return_counts=True)
        matched: np.ndarray[Any, Any] = found[counts >= needed]
        return matched

    def _nearest_by_words(
        self, terms: Counter[str], scope: np.ndarray[Any, Any]
    ) -> np.ndarray[Any, Any]:
        if not terms:
            return np.empty(0, dtype=np.int64)
        keys = keys_of(terms)
        counts = self._terms.counts(keys)
        present = keys[counts > 0]  # words no article holds match nothing
        if not len(present):
            return np.empty(0, dtype=np.int64)
        weights = idf(len(self), counts[counts > 0])
        order = np.argsort(-weights, kind="stable")[:RARE_QUERY_TERMS]
        scores = np.zeros(len(self._ids), dtype=np.float64)
        for key, weight in zip(present[order].tolist(), weights[order].tolist(), strict=True):
            slots = self._terms.slots(np.array([key], dtype=np.int64), scope)
            scores[slots] += weight
        held = np.flatnonzero(scores)
        if len(held) <= NEAREST_BY_WORDS:
            return held
        best: np.ndarray[Any, Any] = held[
            np.argpartition(-scores[held], NEAREST_BY_WORDS - 1)[:NEAREST_BY_WORDS]
        ]
        return best


def _hashed(entry: IndexedArticle) -> IndexedArticle:
    return IndexedArticle(entry.candidate, hashed(entry.features))


def _terms_of(entry: IndexedArticle) -> TermCounts:
    return term_arrays(entry.features.terms) if entry.terms is None else entry.terms


def _in_folders(
    entries: list[IndexedArticle], folder_ids: Collection[uuid.UUID] | None
) -> list[IndexedArticle]:
    if folder_ids is None:
        return entries
    return [e for e in entries if e.candidate.parent_folder_id in folder_ids]


class _VectorTable:
    """Title and body vectors as int8 rows (a row per slot) with a scale each: a quarter of
    float32's memory, and the same nearest articles but at near ties (a unit vector's dot
    products move by < 1%); the shortlist then gets exact scores from the float vectors."""

    def __init__(self) -> None:
        self._titles: np.ndarray[Any, np.dtype[np.int8]] | None = None
        self._bodies: np.ndarray[Any, np.dtype[np.int8]] | None = None
        self._title_scales = np.zeros(0, dtype=np.float32)
        self._body_scales = np.zeros(0, dtype=np.float32)
        self._rows = 0
        self._reserved = 64

    def put(self, slot: int, features: CompactFeatures) -> None:
        self._rows = max(self._rows, slot + 1)
        if features.title_vector is None or features.body_vector is None:
            if self._titles is not None and slot < len(self._titles):
                self._title_scales[slot] = self._body_scales[slot] = 0.0
            return
        if self._titles is None or self._bodies is None:
            dims, rows = len(features.title_vector), max(self._reserved, slot + 1)
            self._titles = np.zeros((rows, dims), dtype=np.int8)
            self._bodies = np.zeros((rows, dims), dtype=np.int8)
            self._title_scales = np.zeros(rows, dtype=np.float32)
            self._body_scales = np.zeros(rows, dtype=np.float32)
        if slot >= len(self._titles):
            self._grow(max(slot + 1, self._reserved, len(self._titles) * 2))
        self._titles[slot], self._bodies[slot] = features.title_vector, features.body_vector
        self._title_scales[slot], self._body_scales[slot] = (
            features.title_scale,
            features.body_scale,
        )

    def reserve(self, rows: int) -> None:
        self._reserved = max(self._reserved, rows)

    def keep(self, slots: list[int], size: int) -> None:
        """Only these rows, renumbered from 0 (see `WorkspaceIndex._rebuild`)."""
        self._rows = len(slots)
        if self._titles is None or self._bodies is None:
            return
        positions = [n for n, s in enumerate(slots) if s < len(self._titles)]
        known = [slots[n] for n in positions]
        titles = np.zeros((size, self._titles.shape[1]), dtype=np.int8)
        bodies = np.zeros((size, self._bodies.shape[1]), dtype=np.int8)
        title_scales = np.zeros(size, dtype=np.float32)
        body_scales = np.zeros(size, dtype=np.float32)
        titles[positions] = self._titles[known]
        bodies[positions] = self._bodies[known]
        title_scales[positions] = self._title_scales[known]
        body_scales[positions] = self._body_scales[known]
        self._titles, self._bodies = titles, bodies
        self._title_scales, self._body_scales = title_scales, body_scales

    def _grow(self, size: int) -> None:
        assert self._titles is not None and self._bodies is not None
        self._titles = _resized(self._titles, size)
        self._bodies = _resized(self._bodies, size)
        self._title_scales = _resized(self._title_scales, size)
        self._body_scales = _resized(self._body_scales, size)

    def nearest(
        self,
        vector: Vector | None,
        limit: int,
        scope: np.ndarray[Any, Any],
        titles: bool = False,
    ) -> np.ndarray[Any, Any]:
        matrix = self._titles if titles else self._bodies
        scales = self._title_scales if titles else self._body_scales
        if vector is None or matrix is None:
            return np.empty(0, dtype=np.int64)
        rows = min(self._rows, len(matrix), len(scope))
        usable = scope[:rows] & (scales[:rows] > 0)
        candidates = np.flatnonzero(usable)
        if not len(candidates):
            return np.empty(0, dtype=np.int64)
        # einsum casts the int8 rows as it goes: no float copy of the matrix
        products = np.einsum("ij,j->i", matrix[:rows], np.asarray(vector, dtype=np.float32))
        similarity = products[candidates] / scales[candidates]
        depth = min(len(candidates), limit)
        best: np.ndarray[Any, Any] = candidates[np.argpartition(-similarity, depth - 1)[:depth]]
        return best


def _resized(array: np.ndarray[Any, Any], size: int) -> np.ndarray[Any, Any]:
    bigger = np.zeros((size, *array.shape[1:]), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger
