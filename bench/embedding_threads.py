"""CPU of the embedder's runs on one thread against every core, as a worker's jobs use it.

    .venv/bin/python bench/embedding_threads.py [--entries 67] [--repeat 2] [--data DIR]

In fresh processes (``kbsmith.memory.return_large_blocks`` as ``kbsmith worker`` runs): the
MiniLM embedder with its runs on 1 thread or on every core (``embeddings.share_cores``), then
for each of ``--entries`` CovidFAQ entries what a generation job embeds for a new article: its
title, its opening (title and body, 400 characters) and three short questions, by 1 or 2
jobs at once (threads of the process, as a worker with ``--concurrency 2`` runs them). Reports
the process's CPU and the wall time per entry, and each CPU figure as a ratio to every core's
in the same run.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from _faq import DEFAULT_DATA, load_entries

JOBS = (1, 2)


def child(one_thread: bool, jobs: int, entries: int, data: Path) -> dict[str, float]:
    import kbsmith.generation.embeddings as embeddings
    from kbsmith.memory import return_large_blocks

    return_large_blocks()
    if one_thread:
        embeddings.share_cores(embeddings.available_cores())
    embedder = embeddings.load_embedder()
    assert embedder is not None, "the MiniLM model is needed"
    embedder.embed(["hello there"])
    chosen = load_entries(data)[:entries]

    def job(part: int) -> None:
        for entry in chosen[part::jobs]:
            embedder.embed([entry.title])
            embedder.embed([f"{entry.title}\n\n{entry.body}"[:400]])
            embedder.embed([f"How do I {entry.title}?", f"What is {entry.title}?", entry.title])

    started, wall = time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=job, args=(part,)) for part in range(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "cpu_ms": (time.process_time() - started) / len(chosen) * 1000,
        "wall_ms": (time.perf_counter() - wall) / len(chosen) * 1000,
    }


def main(args: argparse.Namespace) -> None:
    from _common import child_result  # not in the child: its memory is measured

    if args.child:
        one_thread = args.child == "one"
        print(json.dumps(child(one_thread, args.jobs, args.entries, args.data)))
        return
    table = Table(title=f"embedding {args.entries} entries' texts (ms per entry)")
    for column in ("jobs at once", "threads per run", "CPU", "x every core's", "wall"):
        table.add_column(column, justify="right")
    for _ in range(args.repeat):
        for jobs in JOBS:
            found = {}
            for setting in ("all", "one"):
                found[setting] = child_result(
                    __file__,
                    *("--child", setting, "--jobs", str(jobs)),
                    *("--entries", str(args.entries), "--data", str(args.data)),
                )
            for setting, label in (("all", "every core"), ("one", "1")):
                table.add_row(
                    str(jobs),
                    label,
                    f"{found[setting]['cpu_ms']:.1f}",
                    f"{found[setting]['cpu_ms'] / found['all']['cpu_ms']:.2f}",
                    f"{found[setting]['wall_ms']:.1f}",
                )
    Console(width=120).print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=67)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=("all", "one"), help=argparse.SUPPRESS)
    main(parser.parse_args())
