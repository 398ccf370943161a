"""Generation on a large workspace: per-job CPU, worker memory, a fresh worker's first decision.

    .venv/bin/python bench/large_workspace.py [--sizes 1000,100000] [--jobs 100]
                                              [--database sqlite postgresql]
                                              [--postgres-url URL] [--data DIR]

For each database and each size N, in one run: a fresh database (migrated), a workspace filled
with N live filler articles (``_filler.py``: a Banking77 request as title and three as body
paragraphs, each with one version and the answers index's passages) and their stored vectors
(``article_vectors``, as the worker that wrote them would keep them; see VECTORS below) and
their compact features (``article_features``, computed and kept by the code a worker runs when
it first indexes the workspace: *features s*). Then
``--jobs`` generation jobs (``POST /v2/knowledge/public``, origin ``generated``, ``isDraft:
false``) through one real ``kbsmith worker --concurrency 1`` process started after the first
job was queued:

- *reworded* (half): a filler article among the first 1,000 (so the same ones at every size)
  with its title, two of its three paragraphs and a new one (a Banking77 ``test`` request):
  right when it updates (or leaves alone) that very article;
- *new* (half): a CovidFAQ entry (question as title, answer as body), a topic no filler article
  has: right when it touches no filler article (an ADD, or an article this run added).

Measured on the worker process (and its children, Linux /proc): *first decision*, wall seconds
from its start to the end of the first job (it had to load the workspace); *CPU per job*, the
worker's user + system CPU over the other jobs (queued at once after the first ended) divided
by their number, and its ratio to the smallest size's in the same run; *peak RSS* (``VmHWM``);
on PostgreSQL also the server backends' CPU per job. Targets (issue 15): CPU ratio ≤ 2 at
100,000 vs 1,000, peak RSS ≤ 500 MiB, first decision ≤ 10 s, decisions as right as at 1,000.

VECTORS: titles are pool texts, embedded (each once) as the write path would. Bodies of the
first 1,000 articles are embedded for real (cached in ``.cache/large_workspace``); those of
the rest get the normalised mean of their paragraphs' vectors (embedding 100,000 bodies takes
this machine most of an hour): stored the same way, keyed by the same texts hash, so a worker
treats them as it would real ones. The jobs' targets are all among the first 1,000.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from _common import (
    BenchDatabase,
    Processes,
    ServerMonitor,
    child_pids,
    console,
    cpu_seconds,
    kbsmith_command,
    kbsmith_env,
)
from _faq import DEFAULT_DATA, load_entries
from _filler import FillerArticle, add_filler, banking_texts, filler_pool
from answers import SECRET, Api, drop_database, open_api
from kbsmith.answers.index import decode_vector
from kbsmith.db.database import Database
from kbsmith.generation.embeddings import load_embedder
from kbsmith.generation.features import shared_embedder
from kbsmith.generation.index import CandidateIndex
from kbsmith.generation.models import ArticleVector
from kbsmith.generation.vectors import embedded_texts, texts_hash
from kbsmith.logging import configure_logging
from knowledge import fresh_database

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache" / "large_workspace"
POOL = 10_000
"""Filler texts: with 100,000 articles of 3 paragraphs each, a paragraph is in ~30 of them."""
REAL_BODIES = 1_000
TARGETS_AMONG = 1_000
SEED = 15
JOB_TIMEOUT = 1_800.0
TERMINAL = ("COMPLETED", "FAILED")
MIB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    kind: str
    text: str
    target: uuid.UUID | None


@dataclass
class Result:
    database: str
    size: int
    built_s: float
    features_s: float
    first_decision_s: float
    cpu_per_job_ms: float
    server_cpu_per_job_ms: float | None
    peak_rss_mib: float
    right: dict[str, tuple[int, int]]
    operations: dict[str, int]


def body_vectors(articles: list[FillerArticle], pool_vectors: dict[str, bytes]) -> list[bytes]:
    """Each article's body vector: real for the first REAL_BODIES, else the mean of its
    paragraphs' (see VECTORS in the docstring)."""
    real = real_body_vectors(articles[:REAL_BODIES])
    out = list(real)
    for article in articles[REAL_BODIES:]:
        mean = np.mean([decode_vector(pool_vectors[p]) for p in article.paragraphs], axis=0)
        out.append((mean / np.linalg.norm(mean)).astype(np.float32).tobytes())
    return out


def real_body_vectors(articles: list[FillerArticle]) -> list[bytes]:
    texts = [embedded_texts(a.title, "\n\n".join(a.paragraphs))[1] for a in articles]
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"bodies-{digest}.npy"
    if path.exists():
        matrix = np.load(path)
    else:
        embedder = load_embedder()
        assert embedder is not None, "the MiniLM model is needed"
        matrix = np.concatenate(
            [embedder.embed(texts[i : i + 256]) for i in range(0, len(texts), 256)]
        ).astype(np.float32)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, matrix)
    return [row.tobytes() for row in matrix]


async def keep_filler_vectors(
    db: Database, articles: list[FillerArticle], pool_vectors: dict[str, bytes]
) -> None:
    model_id = load_model_id()
    bodies = body_vectors(articles, pool_vectors)
    rows = []
    for article, body in zip(articles, bodies, strict=True):
        texts = embedded_texts(article.title, "\n\n".join(article.paragraphs))
        rows.append(
            {
                "article_id": article.id,
                "model_id": model_id,
                "texts_hash": texts_hash(texts),
                "title_vector": pool_vectors[article.title],
                "body_vector": body,
            }
        )
    async with db.write() as session:
        for start in range(0, len(rows), 2_000):
            await session.execute(insert(ArticleVector), rows[start : start + 2_000])


async def keep_compact_features(db: Database, workspace_id: uuid.UUID) -> None:
    """``article_features`` as the first worker to index the workspace leaves it: the same
    code (a candidate index refreshed, its computed rows kept), in this process."""
    index = CandidateIndex(shared_embedder())
    async with db.read() as session:
        await index.refresh(session, workspace_id)
    await index.keep(db, workspace_id)


def load_model_id() -> str:
    embedder = load_embedder()
    assert embedder is not None
    return embedder.model_id


def cases(articles: list[FillerArticle], count: int, data: Path) -> list[Case]:
    rng = random.Random(SEED)
    fresh = [t for t in banking_texts(data, "banking77-test.csv")]
    reworded = []
    for article in rng.sample(articles[:TARGETS_AMONG], count - count // 2):
        kept = rng.sample(article.paragraphs, 2)
        body = "\n\n".join([*kept, rng.choice(fresh)])
        reworded.append(Case("reworded", f"# {article.title}\n\n{body}", article.id))
    entries = rng.sample(load_entries(data), count // 2)
    new = [Case("new", f"# {e.title}\n\n{e.body}", None) for e in entries]
    mixed = reworded[1:] + new
    rng.shuffle(mixed)
    return [reworded[0], *mixed]  # the first job (alone) is a rewording


async def queue(api: Api, case: Case) -> str:
    body = {"candidateKnowledge": case.text, "origin": "generated", "isDraft": False}
    return str((await api.post("/v2/knowledge/public", body))["backgroundJobId"])


async def wait_jobs(api: Api, ids: list[str], worker: Processes) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + JOB_TIMEOUT
    done: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        waiting = [i for i in ids if i not in done]
        for start in range(0, len(waiting), 500):
            answer = await api.post(
                "/v2/knowledge/public/jobs/status", {"jobIds": waiting[start : start + 500]}
            )
            done.update({j["id"]: j for j in answer["jobs"] if j["jobStatus"] in TERMINAL})
        if len(done) == len(ids):
            return done
        if any(p.poll() is not None for _, p in worker.running.values()):
            raise RuntimeError(f"the worker died:\n{worker.crash_lines('worker')}")
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{len(ids) - len(done)} jobs did not end")


def peak_rss_mib(pid: int) -> float:
    """VmHWM of the process and its living children."""
    total = 0
    for each in {pid, *child_pids(pid)}:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) * 1024
    return total / MIB


def judged(job: dict[str, Any], case: Case, filler: set[str]) -> bool:
    if job["jobStatus"] != "COMPLETED":
        return False
    target = job.get("targetArticleId")
    if case.target is not None:
        return target == str(case.target) and job["operation"] != "ADD_ARTICLE_TO_FOLDER"
    return target is None or target not in filler


async def run_one(
    kind: str, size: int, args: argparse.Namespace, pool: tuple[list[str], dict[str, bytes]]
) -> Result:
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url = await fresh_database(kind, args.postgres_url, workdir)
        try:
            return await measure(kind, size, args, pool, workdir, url)
        finally:
            await drop_database(url)


async def measure(
    kind: str,
    size: int,
    args: argparse.Namespace,
    pool: tuple[list[str], dict[str, bytes]],
    workdir: Path,
    url: str,
) -> Result:
    api, db, workspace_id = await open_api(url, workdir)
    started = time.perf_counter()
    articles = await add_filler(db, workspace_id, size, *pool)
    await keep_filler_vectors(db, articles, pool[1])
    built = time.perf_counter() - started
    started = time.perf_counter()
    await keep_compact_features(db, workspace_id)
    featured = time.perf_counter() - started
    todo = cases(articles, args.jobs, args.data)
    env = kbsmith_env(workdir / "data", 1, KBSMITH_DATABASE_URL=url, KBSMITH_SECRET_KEY=SECRET)
    (workdir / "logs").mkdir()
    worker = Processes(workdir / "logs", env)
    name = url.rsplit("/", 1)[1]
    reader = url.replace("+aiosqlite", "") if kind == "sqlite" else url
    monitor = ServerMonitor(BenchDatabase(kind, url, reader, name))
    try:
        first = await queue(api, todo[0])
        spawned = datetime.now(UTC)
        worker.start("worker", kbsmith_command("worker", "--concurrency", "1"))
        pid = worker.running["worker"][1].pid
        jobs = await wait_jobs(api, [first], worker)
        first_decision = (
            datetime.fromisoformat(jobs[first]["completedAt"]) - spawned
        ).total_seconds()
        cpu_before, server_before = cpu_seconds(pid), monitor.read()
        rest = [await queue(api, case) for case in todo[1:]]
        jobs |= await wait_jobs(api, rest, worker)
        cpu = cpu_seconds(pid) - cpu_before
        server = monitor.read() - server_before
        rss = peak_rss_mib(pid)
    finally:
        monitor.close()
        worker.stop_all()
        await api.http.aclose()
        await db.dispose()
    filler = {str(a.id) for a in articles}
    ids = [first, *rest]
    right: dict[str, tuple[int, int]] = {}
    operations: dict[str, int] = {}
    for job_id, case in zip(ids, todo, strict=True):
        job = jobs[job_id]
        good, total = right.get(case.kind, (0, 0))
        right[case.kind] = (good + judged(job, case, filler), total + 1)
        operation = job["operation"] or job["jobStatus"]
        operations[f"{case.kind} {operation}"] = operations.get(f"{case.kind} {operation}", 0) + 1
    per_job = len(rest) or 1
    return Result(
        kind,
        size,
        built,
        featured,
        first_decision,
        cpu / per_job * 1000,
        server.cpu_seconds / per_job * 1000 if kind == "postgresql" else None,
        rss,
        right,
        operations,
    )


def report(results: list[Result]) -> None:
    table = Table(title="generation on a large workspace")
    for column in (
        "database",
        "articles",
        "built s",
        "features s",
        "first decision s",
        "worker CPU ms/job",
        "x smallest",
        "PG CPU ms/job",
        "peak RSS MiB",
        "reworded right",
        "new right",
    ):
        table.add_column(column, justify="right")
    for result in results:
        base = next(r for r in results if r.database == result.database)
        ratio = result.cpu_per_job_ms / base.cpu_per_job_ms if base.cpu_per_job_ms else 0.0
        server = result.server_cpu_per_job_ms
        table.add_row(
            result.database,
            f"{result.size:,}",
            f"{result.built_s:.0f}",
            f"{result.features_s:.0f}",
            f"{result.first_decision_s:.1f}",
            f"{result.cpu_per_job_ms:.0f}",
            f"{ratio:.2f}",
            "-" if server is None else f"{server:.1f}",
            f"{result.peak_rss_mib:.0f}",
            "{}/{}".format(*result.right.get("reworded", (0, 0))),
            "{}/{}".format(*result.right.get("new", (0, 0))),
        )
    Console(width=200).print(table)
    for result in results:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(result.operations.items()))
        console.print(f"  {result.database} {result.size:,}: {shown}", highlight=False)


async def main(args: argparse.Namespace) -> None:
    configure_logging("WARNING")
    pool = filler_pool(args.data, POOL)
    results = []
    for kind in args.database:
        for size in args.sizes:
            result = await run_one(kind, size, args, pool)
            console.print(result, highlight=False)
            results.append(result)
    report(results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=lambda v: [int(x) for x in v.split(",")], default=[1_000, 100_000]
    )
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument(
        "--database", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "KBSMITH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    asyncio.run(main(parser.parse_args()))
