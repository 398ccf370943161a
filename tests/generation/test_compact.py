"""Compact features: what is stored comes back, and a row of another format is refused."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kbsmith.generation.compact import FORMAT, compact, decode, encode, key_of, quantise
from kbsmith.generation.features import lexical_features


def unit(seed: int, dims: int = 384) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=dims).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.mark.parametrize(
    ("title", "text", "vectors"),
    [
        ("Reset your password", "Open Settings.\n\nChoose Reset.", True),
        ("Reset your password", "Open Settings.\n\nChoose Reset.", False),
        ("About", "", True),  # no content words, no paragraphs: the title key still counts
        ("", "", False),
    ],
)
def test_encoded_features_decode_to_the_same(title: str, text: str, vectors: bool) -> None:
    features = lexical_features(title, text)
    if vectors:
        features = replace(features, title_vector=unit(1), body_vector=unit(2))
    original = compact(features)
    back = decode(encode(original))
    assert back is not None
    assert back.term_keys.tolist() == sorted({key_of(t) for t in features.terms})
    assert back.paragraph_keys.tolist() == sorted({key_of(p) for p in features.paragraph_keys})
    assert back.title_terms.tolist() == sorted({key_of(t) for t in features.title_terms})
    assert back.title_key == key_of(features.title_key)
    for got, want in (
        (back.title_vector, original.title_vector),
        (back.body_vector, original.body_vector),
    ):
        assert (got is None) == (not vectors)
        if got is not None and want is not None:
            assert got.tolist() == want.tolist()
    assert (back.title_scale, back.body_scale) == pytest.approx(
        (original.title_scale, original.body_scale)
    )


@pytest.mark.parametrize("seed", range(5))
def test_quantised_dot_products_stay_within_a_percent(seed: int) -> None:
    a, b = unit(seed), unit(seed + 100)
    quantised, scale = quantise(a)
    assert quantised is not None
    assert float(quantised.astype(np.float32) @ b) / scale == pytest.approx(float(a @ b), abs=0.01)


@pytest.mark.parametrize("data", [b"", bytes([FORMAT + 1]) + bytes(40)])
def test_rows_of_another_format_are_computed_again(data: bytes) -> None:
    assert decode(data) is None
