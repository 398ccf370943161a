"""What retrieval compares, for an article or for new content: terms, paragraphs, vectors."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from kbsmith.generation.text import content_words, paragraph_key, title_key, title_terms

if TYPE_CHECKING:
    from kbsmith.generation.embeddings import Embedder

Vector = np.ndarray[Any, Any]

BODY_CHARS_EMBEDDED = 400
"""About 100 tokens (MiniLM was trained on up to 128): the opening of a body says what it is
about, and the cost grows with the length (600 characters took 31 ms of CPU, 400 take 21)."""
VECTOR_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Features:
    title_terms: frozenset[str]
    terms: Counter[str]
    paragraph_keys: frozenset[str]
    title_vector: Vector | None
    body_vector: Vector | None
    title_key: str = ""
    """The title as `text.title_key` has it: titles without content words match by it."""


def body_for_embedding(text: str) -> str:
    return text[:BODY_CHARS_EMBEDDED]


def title_for_embedding(title: str, text: str) -> str:
    return title or text[:200]


class CachedEmbedder:
    """Remembers vectors by text, so an article written from a source reuses its vectors."""

    def __init__(self, inner: Embedder, capacity: int = VECTOR_CACHE_SIZE) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimensions = inner.dimensions
        self._vectors: OrderedDict[str, Vector] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def remember(self, text: str, vector: Vector) -> None:
        """A vector computed elsewhere (another worker, stored with its article)."""
        with self._lock:
            self._store(text, vector)

    def cached(self, text: str) -> Vector | None:
        with self._lock:
            return self._vectors.get(text)

    def embed(self, texts: Sequence[str]) -> Vector:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            fresh = self.inner.embed(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._store(text, vector)
        with self._lock:
            found = [self._vectors.get(t) for t in texts]
        rows = [row for row in found if row is not None]
        if len(rows) < len(texts):  # evicted meanwhile: only with a tiny capacity
            return self.inner.embed(texts)
        return np.stack(rows) if rows else np.zeros((0, self.dimensions), dtype=np.float32)

    def _store(self, text: str, vector: Vector) -> None:
        self._vectors[text] = vector
        self._vectors.move_to_end(text)
        while len(self._vectors) > self._capacity:
            self._vectors.popitem(last=False)


def lexical_features(title: str, text: str, questions: Sequence[str] = ()) -> Features:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    terms = Counter(content_words(" ".join([title, *questions, text])))
    keys = frozenset(k for k in (paragraph_key(p) for p in paragraphs) if k)
    return Features(title_terms(title), terms, keys, None, None, title_key(title))


def embed_features(
    embedder: Embedder | None, items: Sequence[tuple[str, str, Sequence[str]]]
) -> list[Features]:
    """(title, text, questions) → features, embedding all titles and bodies in two batches."""
    lexical = [lexical_features(t, x, q) for t, x, q in items]
    if embedder is None or not items:
        return lexical
    titles = embedder.embed([title_for_embedding(t, x) for t, x, _ in items])
    bodies = embedder.embed([body_for_embedding(x) for _, x, _ in items])
    return [
        replace(f, title_vector=titles[i], body_vector=bodies[i]) for i, f in enumerate(lexical)
    ]
