"""What retrieval compares, for an article or for new content: terms, paragraphs, vectors."""

from __future__ import annotations

import functools
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from kbsmith.extraction.paragraphs import split_markdown
from kbsmith.generation.text import (
    SENTENCE_END,
    body_chunks,
    clean_title,
    content_words,
    paragraph_key,
    title_key,
    title_terms,
    without_title,
)

if TYPE_CHECKING:
    from kbsmith.generation.embeddings import Embedder

Vector = np.ndarray[Any, Any]

VECTOR_CACHE_SIZE = 20_000
QUESTIONS_EMBEDDED = 3
"""An article's title and first questions are how customers ask for it; more cost more."""


@dataclass(frozen=True)
class Features:
    title_terms: frozenset[str]
    terms: Counter[str]
    paragraph_keys: frozenset[str]
    title_vector: Vector | None
    body_vector: Vector | None
    title_key: str = ""
    """The title as `text.title_key` has it: titles without content words match by it."""
    question_vectors: Vector | None = None
    """The title's vector and those of the first questions: the ways the topic is asked."""


def body_for_embedding(title: str, text: str) -> str:
    """A body's opening passage under its title (about 150 tokens: MiniLM was trained on up to
    128, and the cost grows with the length). It is the passage the answers index embeds first
    for the article the offline writer makes of this text, so that is embedded once."""
    body = without_title(text.split("\n\n"), clean_title(title), title)
    opening = body_chunks("\n\n".join(body), 1)
    return opening[0] if opening else ""


def title_for_embedding(title: str, text: str) -> str:
    return title or text[:200]


@functools.cache
def shared_embedder() -> CachedEmbedder | None:
    """The process's embedder with one cache for every user (generation's candidates, the
    answers index): a text written live is embedded once."""
    from kbsmith.generation.embeddings import load_embedder  # onnxruntime is slow to import

    inner = load_embedder()
    return CachedEmbedder(inner) if inner is not None else None


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

    def known(self) -> list[tuple[str, Vector]]:
        """Every vector held, to keep them elsewhere (a benchmark's cache on disk)."""
        with self._lock:
            return list(self._vectors.items())

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


def body_keys(title: str, text: str) -> frozenset[str]:
    """The body's paragraphs as comparable keys, the same for new content and for an article:
    split by the one Markdown splitter, without heading lines (the title heading, section
    names) and without a first sentence that only repeats the title (a text's question)."""
    title_words = paragraph_key(title)
    keys = set()
    for unit in split_markdown(text):
        body = " ".join(line for line in unit.splitlines() if not line.lstrip().startswith("#"))
        first, *rest = SENTENCE_END.split(body, maxsplit=1)
        if title_words and paragraph_key(first) == title_words:
            body = rest[0] if rest else ""
        if key := paragraph_key(body):
            keys.add(key)
    return frozenset(keys)


def lexical_features(title: str, text: str, questions: Sequence[str] = ()) -> Features:
    terms = Counter(content_words(" ".join([title, *questions, text])))
    return Features(title_terms(title), terms, body_keys(title, text), None, None, title_key(title))


def identity_features(title: str, text: str) -> Features:
    """What says two texts are one topic at a glance (the title's terms, the paragraphs),
    without the term counts that ranking needs: checked inside a write transaction."""
    return Features(title_terms(title), Counter(), body_keys(title, text), None, None)


def asked_as(title: str, text: str, questions: Sequence[str]) -> list[str]:
    """The texts whose vectors say how the topic is asked: the title, then new questions."""
    first = title_for_embedding(title, text)
    seen = {title_key(first)}
    asked = [first]
    for question in questions:
        if len(asked) > QUESTIONS_EMBEDDED:
            break
        if title_key(question) not in seen:
            seen.add(title_key(question))
            asked.append(question)
    return asked


def embed_features(
    embedder: Embedder | None, items: Sequence[tuple[str, str, Sequence[str]]]
) -> list[Features]:
    """(title, text, questions) → features, embedding all titles and bodies in two batches."""
    lexical = [lexical_features(t, x, q) for t, x, q in items]
    if embedder is None or not items:
        return lexical
    asked = [asked_as(t, x, q) for t, x, q in items]
    vectors = embedder.embed([text for texts in asked for text in texts])
    bodies = embedder.embed([body_for_embedding(t, x) for t, x, _ in items])
    features, start = [], 0
    for i, feature in enumerate(lexical):
        own = vectors[start : start + len(asked[i])]
        start += len(asked[i])
        features.append(
            replace(feature, title_vector=own[0], body_vector=bodies[i], question_vectors=own)
        )
    return features
