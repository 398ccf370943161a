"""The embedder's memory over a worker's jobs: ONNX Runtime's CPU arena shrunk after each run (as
shipped), kept, or off.

    .venv/bin/python bench/embedder_memory.py [--entries 60] [--repeat 2] [--data DIR]

In fresh processes, as ``kbsmith worker`` runs (``kbsmith.memory.return_large_blocks``): the
MiniLM embedder loaded and one short text embedded, then ``--entries`` CovidFAQ entries
embedded as a generation job embeds its candidate (title, title and body, each paragraph).
Reports the resident size after loading, after the entries and the peak during them (MiB,
``VmHWM`` reset through ``/proc/self/clear_refs``; Linux only), and the CPU per entry. The
arena's setting is the one thing changed (``embeddings.session_options`` and
``embeddings.run_options``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from _faq import DEFAULT_DATA, load_entries

SETTINGS = ("arena shrunk after each run", "arena kept", "no arena")


def status_mib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise LookupError(field)


def child(setting: str, entries: int, data: Path) -> dict[str, float]:
    import onnxruntime as ort

    import kbsmith.generation.embeddings as embeddings
    from kbsmith.memory import return_large_blocks

    return_large_blocks()
    chosen = embeddings.session_options

    def options(threads: int) -> ort.SessionOptions:
        made = chosen(threads)
        made.enable_cpu_mem_arena = setting != "no arena"
        return made

    embeddings.session_options = options
    if setting != SETTINGS[0]:  # (shrinking an arena that is off is an error)
        embeddings.run_options = ort.RunOptions
    embedder = embeddings.load_embedder()
    assert embedder is not None, "the MiniLM model is needed"
    embedder.embed(["hello there"])
    loaded = status_mib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    started = time.process_time()
    chosen_entries = load_entries(data)[:entries]
    for entry in chosen_entries:
        embedder.embed([entry.title, f"{entry.title}\n\n{entry.body}", *entry.body.split("\n\n")])
    cpu = time.process_time() - started
    return {
        "loaded": loaded,
        "after": status_mib("VmRSS"),
        "peak": status_mib("VmHWM"),
        "cpu_ms": cpu / len(chosen_entries) * 1000,
    }


def main(args: argparse.Namespace) -> None:
    from _common import child_result  # not in the child: its memory is measured

    if args.child:
        print(json.dumps(child(args.child, args.entries, args.data)))
        return
    table = Table(title=f"embedding {args.entries} entries after loading the embedder (MiB)")
    for column in ("setting", "loaded", "after", "peak during", "CPU ms/entry"):
        table.add_column(column, justify="right")
    for _ in range(args.repeat):
        for setting in SETTINGS:
            found = child_result(__file__, "--child", setting, "--entries", str(args.entries))
            table.add_row(
                setting,
                str(found["loaded"]),
                str(found["after"]),
                str(found["peak"]),
                f"{found['cpu_ms']:.0f}",
            )
    Console(width=120).print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--child", choices=SETTINGS, help=argparse.SUPPRESS)
    main(parser.parse_args())
