"""A worker's memory while it loads a large workspace, in process, phase by phase.

    .venv/bin/python bench/load_peak.py [--size 100000] [--repeat 2] [--database PATH]

Builds once (kept in ``.cache/load_peak``) a SQLite workspace of ``--size`` filler articles
as ``large_workspace.py`` does (versions, stored vectors, stored compact features), then in
fresh processes, each as a worker starts: the worker's modules imported, the embedder loaded
and one text embedded, the workspace's candidate index loaded (``CandidateIndex.refresh``).
Per phase: the resident size after it and the peak during it (``VmHWM``, reset between phases
through ``/proc/self/clear_refs``; Linux only), and the load's CPU seconds. Two allocator
settings: glibc's default, and ``kbsmith.memory.return_large_blocks`` (what ``kbsmith
worker`` does). Another version of the code is measured by running this with
``PYTHONPATH=<its src>`` (the child processes inherit it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from kbsmith.generation.shortlist import WorkspaceIndex

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache" / "load_peak"
MODES = ("glibc default", "return_large_blocks")
PHASES = ("imports", "embedder", "load")


def status_mib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise LookupError(field)


def phase_end() -> tuple[int, int]:
    """(resident MiB now, peak MiB since the last phase), and the peak reset."""
    found = status_mib("VmRSS"), status_mib("VmHWM")
    Path("/proc/self/clear_refs").write_text("5")
    return found


def child(mode: str, url: str, workspace_id: uuid.UUID) -> dict[str, object]:
    Path("/proc/self/clear_refs").write_text("5")
    import kbsmith.cli  # what a worker imports
    import kbsmith.generation.tasks  # noqa: F401

    if mode == MODES[1]:
        from kbsmith.memory import return_large_blocks  # not in older code

        return_large_blocks()
    found: dict[str, object] = {"imports": phase_end()}
    from kbsmith.generation.features import embed_features, shared_embedder

    embedder = shared_embedder()
    embed_features(embedder, [("How do I top up my card", "I sent money. It is not there.", ())])
    found["embedder"] = phase_end()
    started = time.process_time()
    index = asyncio.run(load(url, workspace_id, embedder))
    found["cpu"] = time.process_time() - started
    found["load"] = phase_end()
    found["articles"] = len(index)
    return found


async def load(url: str, workspace_id: uuid.UUID, embedder: object) -> WorkspaceIndex:
    from kbsmith.db.database import Database
    from kbsmith.generation.features import CachedEmbedder
    from kbsmith.generation.index import CandidateIndex

    assert embedder is None or isinstance(embedder, CachedEmbedder)
    db = Database(url)
    index = CandidateIndex(embedder)
    async with db.read() as session:
        loaded = await index.refresh(session, workspace_id)
    await db.dispose()
    return loaded


async def build(path: Path, size: int) -> uuid.UUID:
    sys.path.insert(0, str(REPO / "bench"))
    import large_workspace as lw
    from _faq import DEFAULT_DATA
    from _filler import add_filler, filler_pool
    from answers import open_api

    path.parent.mkdir(parents=True, exist_ok=True)
    pool = filler_pool(DEFAULT_DATA, lw.POOL)
    api, db, workspace_id = await open_api(f"sqlite+aiosqlite:///{path}", path.parent)
    articles = await add_filler(db, workspace_id, size, *pool)
    await lw.keep_filler_vectors(db, articles, pool[1])
    await lw.keep_compact_features(db, workspace_id)
    await api.http.aclose()
    await db.dispose()
    return workspace_id


def measure(mode: str, url: str, workspace_id: uuid.UUID) -> dict[str, object]:
    from _common import child_result  # not in the child: its imports are measured

    return child_result(__file__, "--child", mode, url, str(workspace_id))


def main(args: argparse.Namespace) -> None:
    if args.child:
        mode, url, workspace = args.child
        print(json.dumps(child(mode, url, uuid.UUID(workspace))))
        return
    path = args.database or CACHE / f"{args.size}.db"
    marker = path.with_suffix(".workspace")
    if not marker.exists():
        from kbsmith.logging import configure_logging

        configure_logging("WARNING")
        marker.write_text(str(asyncio.run(build(path, args.size))))
    workspace_id = uuid.UUID(marker.read_text())
    table = Table(title=f"loading {args.size:,} articles (MiB: resident after / peak during)")
    for column in ("allocator", *PHASES, "load CPU s"):
        table.add_column(column, justify="right")
    for _ in range(args.repeat):
        for mode in args.allocators:
            found = measure(mode, f"sqlite+aiosqlite:///{path}", workspace_id)
            cells = [f"{found[p][0]} / {found[p][1]}" for p in PHASES]  # type: ignore[index]
            table.add_row(mode, *cells, f"{found['cpu']:.2f}")
    Console(width=160).print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--database", type=Path)
    parser.add_argument("--allocators", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    main(parser.parse_args())
