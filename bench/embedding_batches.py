"""Peak memory and CPU of embedding by batch size in padded tokens (``BATCH_TOKENS``).

    .venv/bin/python bench/embedding_batches.py [--budgets 100000,2048,1024,512]

Each budget in a fresh process (peak RSS, ``VmHWM``, is a process's): the MiniLM embedder
loaded, then 160 texts of ~200 tokens and 320 of ~10 embedded; the CPU time (process clock) of
that, and the peak RSS. 100000 is no budget (32 texts at once, as before).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import kbsmith.generation.embeddings as embeddings

LONG = "Customers can reset their password from the account page when they forget it " * 12


def measure(budget: int) -> None:
    embeddings.BATCH_TOKENS = budget
    path = embeddings.installed_model_path()
    assert path is not None, "the MiniLM model is needed"
    embedder = embeddings.MiniLMEmbedder(path)
    long = [f"{LONG}{i}" for i in range(160)]
    short = [f"How do I reset my password number {i}?" for i in range(320)]
    embedder.embed(long[:4])
    started = time.process_time()
    embedder.embed(long)
    embedder.embed(short)
    cpu = time.process_time() - started
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    print(f"{budget:>7} tokens per batch: CPU {cpu:.2f} s, peak RSS {peak // 1024} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--budgets", default="100000,2048,1024,512")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        measure(args.one)
    else:
        for budget in args.budgets.split(","):
            subprocess.run([sys.executable, __file__, "--one", budget], check=True)
