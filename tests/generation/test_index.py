"""The vector cache: same vectors as the model, each text embedded once."""

from __future__ import annotations

import numpy as np
import pytest

from kbsmith.generation.embeddings import load_embedder
from kbsmith.generation.features import CachedEmbedder


def test_cached_vectors_equal_the_models_and_are_computed_once() -> None:
    model = load_embedder()
    if model is None:
        pytest.skip("the embedding model is not installed")
    cached = CachedEmbedder(model, capacity=3)
    texts = ["Reset your password", "Export invoices", "Reset your password"]
    first = cached.embed(texts)
    assert np.allclose(first, model.embed(texts), atol=1e-6)
    assert len(cached._vectors) == 2  # the duplicate was embedded once
    again = cached.embed(["Export invoices", "Change your plan", "Cancel a subscription"])
    assert np.allclose(again[0], first[1])
    assert len(cached._vectors) == 3  # bounded: the oldest was evicted
    assert cached.embed([]).shape == (0, model.dimensions)
