"""What the candidate search needs of an article, small: hashed terms, paragraphs and title
terms, and int8 vectors. Stored per article version (``article_features``) so that a worker
loads a workspace without reading, tokenising or embedding its articles."""

from __future__ import annotations

import hashlib
import struct
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from kbsmith.generation.features import Features, Vector

FORMAT = 1
"""Bumped when what is hashed or how it is laid out changes: older rows are then recomputed."""
_HEADER = struct.Struct("<BIIIHq")  # format, terms, paragraphs, title terms, dims, title key

Keys = np.ndarray[Any, np.dtype[np.int64]]
Quantised = np.ndarray[Any, np.dtype[np.int8]]
TermCounts = tuple[Keys, np.ndarray[Any, Any]]
"""A text's term keys and how often it uses each."""


def key_of(text: str) -> int:
    """A 64-bit key for a term or paragraph: collisions are negligible at any workspace's
    vocabulary (a billion distinct keys would make one expected pair)."""
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True
    )


def keys_of(texts: Iterable[str]) -> Keys:
    return np.array(sorted({key_of(t) for t in texts}), dtype=np.int64)


@dataclass(frozen=True)
class CompactFeatures:
    term_keys: Keys
    """Sorted."""
    term_counts: np.ndarray[Any, np.dtype[np.uint16]]
    """How often the text uses each term (up to 65,535)."""
    paragraph_keys: Keys
    title_terms: Keys
    title_key: int
    title_vector: Quantised | None = None
    title_scale: float = 0.0
    body_vector: Quantised | None = None
    body_scale: float = 0.0


def compact(features: Features) -> CompactFeatures:
    title_vector, title_scale = quantise(features.title_vector)
    body_vector, body_scale = quantise(features.body_vector)
    if title_vector is None or body_vector is None:
        title_vector = body_vector = None
    by_key: dict[int, int] = {}
    for term, count in features.terms.items():
        key = key_of(term)
        by_key[key] = by_key.get(key, 0) + count
    term_keys = np.array(sorted(by_key), dtype=np.int64)
    counts = np.array([min(by_key[k], 65_535) for k in term_keys.tolist()], dtype=np.uint16)
    return CompactFeatures(
        term_keys,
        counts,
        keys_of(features.paragraph_keys),
        keys_of(features.title_terms),
        key_of(features.title_key),
        title_vector,
        title_scale,
        body_vector,
        body_scale,
    )


def quantise(vector: Vector | None) -> tuple[Quantised | None, float]:
    """int8 with one scale per vector (a unit vector's dot products change by < 1%)."""
    if vector is None:
        return None, 0.0
    largest = float(np.max(np.abs(vector))) if len(vector) else 0.0
    scale = 127.0 / largest if largest > 0 else 1.0
    quantised: Quantised = np.round(np.asarray(vector) * scale).astype(np.int8)
    return quantised, scale


def encode(features: CompactFeatures) -> bytes:
    dims = 0 if features.title_vector is None else len(features.title_vector)
    parts = [
        _HEADER.pack(
            FORMAT,
            len(features.term_keys),
            len(features.paragraph_keys),
            len(features.title_terms),
            dims,
            features.title_key,
        ),
        features.term_keys.tobytes(),
        features.paragraph_keys.tobytes(),
        features.title_terms.tobytes(),
        features.term_counts.tobytes(),
    ]
    if features.title_vector is not None and features.body_vector is not None:
        parts += [
            struct.pack("<ff", features.title_scale, features.body_scale),
            features.title_vector.tobytes(),
            features.body_vector.tobytes(),
        ]
    return b"".join(parts)


def decode(data: bytes) -> CompactFeatures | None:
    """None for a row of another format (it is then computed again)."""
    if not data or data[0] != FORMAT:
        return None
    _, terms, paragraphs, titles, dims, title_key = _HEADER.unpack_from(data)
    at = _HEADER.size
    # copies: the index keeps these arrays, not the row's bytes
    keys = np.frombuffer(data, np.int64, terms + paragraphs + titles, at).copy()
    at += keys.nbytes
    counts = np.frombuffer(data, np.uint16, terms, at).copy()
    at += counts.nbytes
    title_vector = body_vector = None
    title_scale = body_scale = 0.0
    if dims:
        title_scale, body_scale = struct.unpack_from("<ff", data, at)
        vectors = np.frombuffer(data, np.int8, 2 * dims, at + 8)
        title_vector, body_vector = vectors[:dims], vectors[dims:]
    return CompactFeatures(
        keys[:terms],
        counts,
        keys[terms : terms + paragraphs],
        keys[terms + paragraphs :],
        title_key,
        title_vector,
        title_scale,
        body_vector,
        body_scale,
    )


def idf(documents: int, frequencies: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Smoothed inverse document frequency, as `keywords.WorkspaceTerms` has it."""
    result: np.ndarray[Any, np.dtype[np.float64]] = np.log(
        (1 + documents) / (1 + frequencies.astype(np.float64)) + 1
    )
    return result


def hashed(features: Features) -> Features:
    """The same features with every term, paragraph and title term named by its key: what
    new content is compared in with articles read compactly (`from_compact`)."""
    terms: Counter[str] = Counter()
    for term, count in features.terms.items():
        terms[str(key_of(term))] += count
    return replace(
        features,
        title_terms=frozenset(str(key_of(t)) for t in features.title_terms),
        terms=terms,
        paragraph_keys=frozenset(str(key_of(p)) for p in features.paragraph_keys),
        title_key=str(key_of(features.title_key)),
    )


def term_arrays(terms: Counter[str]) -> TermCounts:
    """Terms named by keys (`hashed`) as arrays."""
    keys = np.fromiter((int(k) for k in terms), dtype=np.int64, count=len(terms))
    counts = np.fromiter(terms.values(), dtype=np.float64, count=len(terms))
    return keys, counts


def from_compact(features: CompactFeatures, vectors: Vector | None) -> Features:
    """An article's features for scoring, named by keys as `hashed` names new content's, with
    its exact vectors (`encode_vectors`) when it has them; its terms are left out (they are
    `features.term_keys` and `term_counts`: scoring reads them as arrays)."""
    return Features(
        title_terms=frozenset(str(k) for k in features.title_terms.tolist()),
        terms=Counter(),
        paragraph_keys=frozenset(str(k) for k in features.paragraph_keys.tolist()),
        title_vector=None if vectors is None else vectors[1],
        body_vector=None if vectors is None else vectors[0],
        title_key=str(features.title_key),
        question_vectors=None if vectors is None else vectors[1:],
    )


def encode_vectors(features: Features) -> bytes:
    """The exact vectors a job scores with: body, then the title and questions' (the title
    first); empty without embeddings."""
    if features.body_vector is None or features.question_vectors is None:
        return b""
    rows = [np.asarray(features.body_vector, dtype=np.float32)]
    rows += [np.asarray(v, dtype=np.float32) for v in features.question_vectors]
    return np.stack(rows).tobytes()


def decode_vectors(data: bytes, dimensions: int) -> Vector | None:
    if not data or not dimensions or len(data) % (4 * dimensions):
        return None
    return np.frombuffer(data, dtype=np.float32).reshape(-1, dimensions)
