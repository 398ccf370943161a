"""End-to-end web ingestion through the HTTP API of real `kbsmith` processes, against a local site.

    .venv/bin/python bench/ingest.py [--data DIR] [--pages 1000] [--deployment SPEC ...]
                                     [--database sqlite|postgresql ...] [--postgres-url URL]

Serves the pages of the web-pages data set (default ``<repo>/../shared/data/web-pages``, the
gzip files under ``html/``) repeated to ``--pages`` distinct URLs (``/copy-2/0001.html``) from a
page server in a separate process on 127.0.0.1 that behaves like a static web server: Content-
Type with charset, strong ETag, Last-Modified, gzip when asked for (``gzip_static``), 304 for a
matching If-None-Match / If-Modified-Since, and an allow-all robots.txt. Then, per deployment,
on a fresh temporary ``KBSMITH_DATA_DIR`` and per ``--database``: the embedded SQLite
default, or ``postgresql``, a database created for the run on ``--postgres-url``'s server (its
own name, migrated with ``kbsmith migrate``, dropped at the end, also on Ctrl-C):

1. POSTs every URL to ``/v2/documents/public`` (batches of at most 1,000) and measures pages/s
   from the first POST until every job is terminal (COMPLETED or FAILED); job status is read
   with a read-only connection to the database (SQL both dialects run);
2. compares it with bare ``trafilatura.extract(html)`` over the same 1,000 decompressed bodies
   in this one process (measured once, before any deployment starts; target ratio >= 0.7);
3. POSTs ``/v2/documents/public/refresh`` for all of them (nothing changed, so the fetches are
   answered 304) and measures the time until every job is terminal again (target: the first
   ingestion takes >= 5x as long);
4. prints COMPLETED/FAILED per phase with the most common errors, and the page server's 200
   and 304 answers per phase.

A deployment SPEC is ``plain`` (``kbsmith serve``: its default, a worker process per core) or
``S+PxC``: ``kbsmith serve --workers S`` plus P ``kbsmith worker --concurrency C`` processes
(``0+2x4``: an API process without workers and two worker processes running 4 jobs each).
The first ``--deployment`` given is the default one; without any, ``0+2x2`` and ``plain`` run:
on 2 cores, one worker process per core with 2 jobs each measured fastest (extraction holds
the GIL, so a process uses one core; 4 jobs each only lengthened every job and added
contention), and ``plain`` shows what the embedded default gets from its one process.
The processes get ``KBSMITH_FETCH_ALLOW_NETWORKS=127.0.0.1/32`` (the page server is on
loopback) and ``KBSMITH_FETCH_PER_HOST_CONCURRENCY`` (``--per-host``, default 64: every page
comes from one host, and the default politeness of 2 requests at once would be the bottleneck).
On PostgreSQL the report adds the CPU of the server's backends for that database and what
its busy backends waited on (``pg_stat_activity`` sampled every 0.1 s): CPU-bound figures count
the server's CPU too, as it shares the cores. Every process started here is stopped at the end,
also on Ctrl-C or error.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from _common import (
    DATABASES,
    DEFAULT_POSTGRES_URL,
    BenchDatabase,
    ReadOnlyDatabase,
    ServerLoad,
    ServerMonitor,
    as_datetime,
    bench_database,
    child_pids,
    migrate,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "web-pages"
DEFAULT_DEPLOYMENTS = ["0+2x2", "plain"]
BATCH = 1000  # the API's limit on ids per request
POLL_SECONDS = 0.025
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
STATS_PATH = "/__stats"
QUIET_CORES = 0.25
QUIET_WINDOW = 2.0
SPEC = re.compile(r"^(?P<serve>\d+)\+(?P<procs>\d+)x(?P<concurrency>\d+)$")

console = Console(stderr=True)


# the data set -----------------------------------------------------------------------------------


def load_gzipped(data: Path) -> list[bytes]:
    files = sorted((data / "html").glob("*.html.gz"))
    if not files:
        raise SystemExit(f"no html/*.html.gz under {data} (use --data)")
    return [f.read_bytes() for f in files]


def url_paths(originals: int, pages: int) -> list[tuple[str, int]]:
    """``pages`` distinct paths, cycling through the originals: (``/copy-2/0001.html``, index)."""
    return [
        (f"/copy-{i // originals + 1}/{i % originals + 1:04d}.html", i % originals)
        for i in range(pages)
    ]


# the page server (its own process) -------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str
    last_modified: str
    modified_at: float


def make_page(gzipped: bytes, index: int) -> Page:
    body = gzip.decompress(gzipped)
    try:
        body.decode("utf-8")
        charset = "utf-8"
    except UnicodeDecodeError:
        declared = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", body[:4096], re.IGNORECASE)
        charset = declared.group(1).decode("ascii").lower() if declared else "windows-1252"
    modified_at = 1_700_000_000.0 + index * 3600
    return Page(
        body=body,
        gzipped=gzipped,
        content_type=f"text/html; charset={charset}",
        etag=f'"{hashlib.sha1(body).hexdigest()[:20]}-{len(body):x}"',
        last_modified=email.utils.formatdate(modified_at, usegmt=True),
        modified_at=modified_at,
    )


class Site:
    def __init__(self, data: Path, pages: int) -> None:
        originals = [make_page(g, i) for i, g in enumerate(load_gzipped(data))]
        self.pages = {path: originals[i] for path, i in url_paths(len(originals), pages)}
        self.answers: Counter[str] = Counter()
        self.lock = threading.Lock()

    def count(self, kind: str) -> None:
        with self.lock:
            self.answers[kind] += 1


def not_modified(page: Page, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or page.etag in tags
    if if_modified_since is not None:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return page.modified_at <= since
    return False


class PageHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench-static/1.0"
    site: Site

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            self._send(200, ROBOTS_TXT, {"Content-Type": "text/plain; charset=utf-8"}, "robots")
        elif path == STATS_PATH:
            with self.site.lock:
                stats = json.dumps(self.site.answers).encode()
            self._send(200, stats, {"Content-Type": "application/json"}, None)
        elif (page := self.site.pages.get(path)) is None:
            self._send(404, b"not found\n", {"Content-Type": "text/plain; charset=utf-8"})
        else:
            self._page(page)

    def _page(self, page: Page) -> None:
        validators = {
            "ETag": page.etag,
            "Last-Modified": page.last_modified,
            "Cache-Control": "max-age=0",
            "Vary": "Accept-Encoding",
        }
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if not_modified(page, inm, ims):
            self._send(304, b"", validators)
            return
        headers = {"Content-Type": page.content_type, **validators}
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            self._send(200, page.gzipped, {**headers, "Content-Encoding": "gzip"})
        else:
            self._send(200, page.body, headers)

    def _send(
        self, status: int, body: bytes, headers: dict[str, str], kind: str | None = ""
    ) -> None:
        """Send an answer; count it under *kind* (default: its status; None: not at all)."""
        if kind is not None:
            self.site.count(kind or str(status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def serve_pages(data: Path, pages: int) -> None:
    """The page server process: prints its port on stdout, serves until SIGTERM."""
    handler = type("Handler", (PageHandler,), {"site": Site(data, pages)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(server.server_address[1], flush=True)
    server.serve_forever()


# processes --------------------------------------------------------------------------------------


class Processes:
    """The kbsmith processes of one deployment, supervised like systemd's Restart=always would:
    one that dies is counted, reported and started again. `stop_all` ends them all."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs = logs
        self.env = env
        self.running: dict[str, tuple[list[str], subprocess.Popen[bytes]]] = {}
        self.deaths: list[str] = []

    def start(self, name: str, command: list[str]) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.running[name] = (command, process)

    def restart_dead(self) -> None:
        for name, (command, process) in list(self.running.items()):
            code = process.poll()
            if code is None:
                continue
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
            self.deaths.append(f"{name} ({how})")
            console.print(
                f"[red]{name} died ({how}); restarting it[/]\n{self.crash_lines(name)}",
                highlight=False,
            )
            self.start(name, command)

    def crash_lines(self, name: str, lines: int = 12) -> str:
        text = (self.logs / f"{name}.log").read_text(errors="replace")
        fatal = text.rfind("Fatal Python error")
        tail = text[fatal:] if fatal >= 0 else text
        return "\n".join(tail.splitlines()[:lines] if fatal >= 0 else tail.splitlines()[-lines:])

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    def roles(self) -> dict[int, str]:
        """pid -> role, with every process they started: the worker processes `serve` started
        counted as workers, the extraction children of any of them as extraction."""
        roles = {p.pid: name.split("-")[0] for name, (_, p) in self.running.items()}
        parents = list(roles)
        while parents:
            children = {child for pid in parents for child in child_pids(pid)} - roles.keys()
            roles.update((child, _descendant_role(child)) for child in children)
            parents = list(children)
        return roles

    def stop_all(self) -> None:
        for _, process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, (_, process) in self.running.items():
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                console.print(f"[yellow]{name} ignored SIGTERM; killing it[/]")
                process.kill()
                process.wait()
        self.running.clear()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_page_server(data: Path, pages: int, logs: Path) -> tuple[subprocess.Popen[bytes], str]:
    command = [
        sys.executable,
        __file__,
        "--serve-pages",
        "--data",
        str(data),
        "--pages",
        str(pages),
    ]
    with (logs / "page-server.log").open("ab") as log:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, start_new_session=True
        )
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    if not line.isdigit():
        process.kill()
        raise RuntimeError(f"the page server did not start: {line!r}")
    return process, f"http://127.0.0.1:{line}"


# CPU accounting (the machine may be shared) --------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all processes of the machine used (including steal), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / TICKS


def process_cpu_seconds(pid: int) -> float:
    """CPU time of *pid* and of its children that ended (an extraction child that retired)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / TICKS  # utime stime cutime cstime


def _descendant_role(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "worker"
    return "extraction" if b"kbsmith.extraction.child" in command else "worker"


@dataclass(frozen=True)
class CpuUse:
    wall: float
    ours: float
    """CPU seconds of the benchmark and the processes it started."""
    others: float
    """CPU seconds of every other process of the machine meanwhile."""
    by_role: dict[str, float] = field(default_factory=dict)
    """``ours`` split by role: bench, page server, serve, workers."""

    def describe(self) -> str:
        return f"{self.ours / self.wall:.2f} / {self.others / self.wall:.2f}"


Roles = Callable[[], dict[int, str]]
"""pid -> role of the processes whose CPU time is ours."""


class CpuMeter:
    def __init__(self, roles: Roles) -> None:
        self.roles = roles
        self.started = time.perf_counter()
        self.machine = machine_busy_seconds()
        self.own = {pid: process_cpu_seconds(pid) for pid in roles()}

    def read(self) -> CpuUse:
        machine = machine_busy_seconds() - self.machine
        by_role: dict[str, float] = {}
        for pid, role in self.roles().items():
            used = process_cpu_seconds(pid) - self.own.get(pid, 0.0)
            by_role[role] = by_role.get(role, 0.0) + used
        ours = sum(by_role.values())
        wall = time.perf_counter() - self.started
        return CpuUse(wall, ours, max(0.0, machine - ours), dict(by_role))


def only_this_process() -> dict[int, str]:
    return {os.getpid(): "bench"}


def wait_quiet(roles: Roles, max_wait: float, what: str) -> None:
    """Wait (at most *max_wait* s) until other processes use < QUIET_CORES of the machine."""
    deadline = time.monotonic() + max_wait
    said = False
    while time.monotonic() < deadline:
        meter = CpuMeter(roles)
        time.sleep(QUIET_WINDOW)
        others = meter.read().others / QUIET_WINDOW
        if others < QUIET_CORES:
            return
        if not said:
            console.print(
                f"  other processes use {others:.1f} cores; waiting up to "
                f"{max_wait:.0f} s for quiet before {what}",
                highlight=False,
            )
            said = True
    if max_wait > 0:
        console.print(f"  [yellow]the machine stayed busy; measuring {what} anyway[/]")


# deployments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    spec: str
    serve_workers: int | None  # None: serve's default
    worker_processes: int
    concurrency: int

    @classmethod
    def parse(cls, spec: str) -> Deployment:
        if spec == "plain":
            return cls(spec, None, 0, 0)
        match = SPEC.match(spec)
        if match is None:
            raise argparse.ArgumentTypeError(f"deployment {spec!r}: use 'plain' or 'S+PxC'")
        return cls(spec, int(match["serve"]), int(match["procs"]), int(match["concurrency"]))

    @property
    def worker_loops(self) -> int:
        """How many `Worker` loops log "worker started" (serve runs one when it has workers)."""
        in_serve = self.serve_workers is None or self.serve_workers > 0
        return int(in_serve) + self.worker_processes

    def describe(self) -> str:
        if self.serve_workers is None:
            return "kbsmith serve (default: a worker process per core)"
        text = f"serve --workers {self.serve_workers}"
        if self.worker_processes:
            text += f" + {self.worker_processes}x worker --concurrency {self.concurrency}"
        return text


@dataclass
class Phase:
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, int]] = field(default_factory=list)
    retried: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    job_p50_ms: float = 0.0
    deaths: list[str] = field(default_factory=list)
    cpu: CpuUse = CpuUse(1.0, 0.0, 0.0)
    server: ServerLoad = field(default_factory=ServerLoad)
    """What the PostgreSQL server did for the database meanwhile (empty on SQLite)."""


@dataclass
class Outcome:
    database: str
    deployment: Deployment
    ingest: Phase
    refresh: Phase
    api_check: str


def kbsmith_env(data_dir: Path, per_host: int, database: BenchDatabase) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBSMITH_")}
    env.update(
        **database.env(),
        KBSMITH_DATA_DIR=str(data_dir),
        KBSMITH_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
        KBSMITH_FETCH_PER_HOST_CONCURRENCY=str(per_host),
        KBSMITH_RATE_LIMIT="1000000000",  # every request is counted, none refused
        KBSMITH_LOG_FORMAT="json",
        PYTHONFAULTHANDLER="1",  # a crash in a C extension leaves a traceback in the log
    )
    return env


def create_key(env: dict[str, str]) -> str:
    command = [
        sys.executable,
        "-m",
        "kbsmith",
        "keys",
        "create",
        "--workspace",
        "bench",
        "--scope",
        "read",
        "--scope",
        "write",
    ]
    done = subprocess.run(command, env=env, capture_output=True, check=True)
    return done.stdout.decode().strip().splitlines()[-1]


def start_deployment(deployment: Deployment, processes: Processes) -> str:
    port = free_port()
    serve = [sys.executable, "-m", "kbsmith", "serve", "--port", str(port)]
    if deployment.serve_workers is not None:
        serve += ["--workers", str(deployment.serve_workers)]
    processes.start("serve", serve)
    for i in range(deployment.worker_processes):
        command = [
            sys.executable,
            "-m",
            "kbsmith",
            "worker",
            "--concurrency",
            str(deployment.concurrency),
        ]
        processes.start(f"worker-{i + 1}", command)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, deployment.worker_loops, processes)
    return base


def wait_ready(base: str, worker_loops: int, processes: Processes) -> None:
    """/readyz answers 200 and every worker loop has logged that it started."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        for name, (_, process) in processes.running.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} did not start:\n{processes.crash_lines(name)}")
        try:
            ready = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            ready = False
        if ready and processes.log_text().count("worker started") >= worker_loops:
            return
        time.sleep(0.1)
    raise TimeoutError("kbsmith did not become ready")


# measuring --------------------------------------------------------------------------------------


class JobReader:
    """Status of every source's latest job, read-only, straight from the database."""

    LATEST = "FROM sources s JOIN jobs j ON j.id = s.linked_job_id"

    def __init__(self, url: str) -> None:
        self.database = ReadOnlyDatabase(url)

    def statuses(self) -> Counter[str]:
        rows = self.database.rows(f"SELECT j.status, count(*) {self.LATEST} GROUP BY j.status")
        return Counter({str(status): int(n) for status, n in rows})

    def errors(self, limit: int = 5) -> list[tuple[str, int]]:
        rows = self.database.rows(
            f"SELECT j.error, count(*) {self.LATEST} WHERE j.status = 'FAILED' "
            "GROUP BY j.error ORDER BY 2 DESC LIMIT :limit",
            limit=limit,
        )
        return [(str(error), int(n)) for error, n in rows]

    def retried(self) -> int:
        rows = self.database.rows(f"SELECT count(*) {self.LATEST} WHERE j.attempts > 1")
        return int(rows[0][0])

    def job_p50_ms(self) -> float:
        """Median claim-to-completion time of the latest jobs (one job's own work)."""
        rows = self.database.rows(
            f"SELECT j.started_at, j.completed_at {self.LATEST} "
            "WHERE j.completed_at IS NOT NULL AND j.started_at IS NOT NULL"
        )
        spans = sorted(
            (as_datetime(done) - as_datetime(started)).total_seconds() * 1000
            for started, done in rows
        )
        return spans[len(spans) // 2] if spans else 0.0

    def close(self) -> None:
        self.database.close()


@dataclass
class Run:
    """One deployment being measured."""

    api: httpx.Client
    site: str
    reader: JobReader
    processes: Processes
    total: int
    timeout: float
    page_server: int
    monitor: ServerMonitor

    def roles(self) -> dict[int, str]:
        return {os.getpid(): "bench", self.page_server: "page server", **self.processes.roles()}

    def wait_terminal(self, label: str) -> Counter[str]:
        deadline = time.monotonic() + self.timeout
        shown = time.monotonic()
        while True:
            statuses = self.reader.statuses()
            done = statuses["COMPLETED"] + statuses["FAILED"]
            if done >= self.total:
                return statuses
            if time.monotonic() > deadline:
                raise TimeoutError(f"{label}: only {done} of {self.total} jobs terminal")
            self.processes.restart_dead()
            if time.monotonic() - shown > 15:
                shown = time.monotonic()
                console.print(f"  {label}: {done}/{self.total} terminal", highlight=False)
            time.sleep(POLL_SECONDS)

    def server_answers(self) -> Counter[str]:
        return Counter(self.api.get(f"{self.site}{STATS_PATH}").json())

    def post(self, path: str, body: dict[str, Any]) -> Any:
        answer = self.api.post(path, json=body)
        if answer.status_code != 200:
            raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text[:500]}")
        return answer.json()

    def phase(self, label: str, requests: list[tuple[str, dict[str, Any]]]) -> tuple[Phase, Any]:
        """POST every request, then wait until every job is terminal; timed from the first POST."""
        before, deaths = self.server_answers(), len(self.processes.deaths)
        meter = CpuMeter(self.roles)
        server = self.monitor.read()
        started = time.perf_counter()
        answers = [self.post(path, body) for path, body in requests]
        statuses = self.wait_terminal(label)
        seconds = time.perf_counter() - started
        cpu = meter.read()
        server = self.monitor.read() - server
        phase = Phase(
            cpu=cpu,
            seconds=seconds,
            statuses=statuses,
            errors=self.reader.errors(),
            retried=self.reader.retried(),
            answers=self.server_answers() - before,
            job_p50_ms=self.reader.job_p50_ms(),
            deaths=self.processes.deaths[deaths:],
            server=server,
        )
        return phase, answers

    def check(self, document_id: str) -> str:
        """One document read through the API: the stored result is what the API serves."""
        document = self.api.get(f"/v2/documents/public/{document_id}").json()
        return (
            f"{document.get('originalUrl')}: {document.get('linkedJobStatus')}, "
            f"{len(document.get('paragraphs') or [])} paragraphs, title "
            f"{str(document.get('title'))[:50]!r}"
        )


def measure_deployment(
    kind: str,
    deployment: Deployment,
    urls: list[str],
    server: tuple[subprocess.Popen[bytes], str],
    args: argparse.Namespace,
    workdir: Path,
) -> Outcome:
    data_dir = workdir / f"data-{kind}-{deployment.spec.replace('+', '_')}"
    logs = data_dir / "logs"
    logs.mkdir(parents=True)
    with bench_database(kind, data_dir, args.postgres_url) as database:
        return measure_on(database, deployment, urls, server, args, data_dir)


def measure_on(
    database: BenchDatabase,
    deployment: Deployment,
    urls: list[str],
    server: tuple[subprocess.Popen[bytes], str],
    args: argparse.Namespace,
    data_dir: Path,
) -> Outcome:
    env = kbsmith_env(data_dir, args.per_host, database)
    processes = Processes(data_dir / "logs", env)
    monitor: ServerMonitor | None = None
    try:
        if database.url is not None:
            migrate(env)
        key = create_key(env)
        base = start_deployment(deployment, processes)
        reader = JobReader(database.reader_url)
        monitor = ServerMonitor(database)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, timeout=120, headers=headers) as api:
            run = Run(
                api, server[1], reader, processes, len(urls), args.timeout, server[0].pid, monitor
            )
            wait_quiet(run.roles, args.quiet_wait, deployment.spec)
            console.print(
                f"[bold]{deployment.describe()}[/], {database.kind}: ingesting {len(urls)} pages"
            )
            adds = [
                ("/v2/documents/public", {"source": "web", "documentIdsToAdd": batch})
                for batch in batched(urls)
            ]
            ingest, answers = run.phase("ingest", adds)
            ids = [i for a in answers for i in a["addedDocumentIds"] + a["updatedDocumentIds"]]
            console.print(f"  ingest: {ingest.seconds:.1f} s; refreshing", highlight=False)
            refreshes = [
                ("/v2/documents/public/refresh", {"documentIds": batch}) for batch in batched(ids)
            ]
            refresh, _ = run.phase("refresh", refreshes)
            console.print(f"  refresh: {refresh.seconds:.2f} s", highlight=False)
            check = run.check(ids[0])
        reader.close()
        return Outcome(database.kind, deployment, ingest, refresh, check)
    finally:
        processes.stop_all()
        if monitor is not None:
            monitor.close()


def batched(values: list[str]) -> list[list[str]]:
    return [values[i : i + BATCH] for i in range(0, len(values), BATCH)]


def measure_bare(gzipped: list[bytes], paths: list[tuple[str, int]]) -> tuple[float, int, CpuUse]:
    """pages/s of bare ``trafilatura.extract(html)`` in this process, over every URL's body."""
    import trafilatura  # only the measuring process needs it

    originals = [gzip.decompress(g) for g in gzipped]
    bodies = [originals[i] for _, i in paths]
    extracted = 0
    meter = CpuMeter(only_this_process)
    started = time.perf_counter()
    for body in bodies:
        if trafilatura.extract(body):
            extracted += 1
    elapsed = time.perf_counter() - started
    return len(bodies) / elapsed, extracted, meter.read()


# report -----------------------------------------------------------------------------------------


def counts(phase: Phase) -> str:
    text = f"{phase.statuses['COMPLETED']} / {phase.statuses['FAILED']}"
    return text + (f" ({phase.retried} retried)" if phase.retried else "")


def report(
    outcomes: list[Outcome],
    bare_result: tuple[float, int, CpuUse],
    args: argparse.Namespace,
    pages: int,
    originals: int,
    version: str,
) -> None:
    bare, bare_extracted, bare_cpu = bare_result
    cores = os.cpu_count() or 1
    table = Table(
        "deployment",
        "ingest",
        "pages/s",
        "vs bare\n(>= 0.7)",
        "ingest\nok / failed",
        "job p50",
        "refresh",
        "ingest /\nrefresh\n(>= 5)",
        "refresh\nok / failed",
        "page server\n200 / 304",
        "process\ndeaths",
        "CPU cores\nours / others\n(ingest)",
        "CPU s\nper page",
        "PG CPU s\nper page",
        "PG backends\nbusy / lock",
        "CPU-bound\nvs bare",
        title=f"web ingestion end to end: {pages} URLs ({originals} real pages repeated) "
        "through the API of real kbsmith processes",
    )
    for o in outcomes:
        ratio = o.ingest.seconds / o.refresh.seconds
        rate = pages / o.ingest.seconds
        default = o is outcomes[0]
        name = f"{o.database} {o.deployment.spec}"
        load = o.ingest.server
        table.add_row(
            f"[bold]{name}[/] (default)" if default else name,
            f"{o.ingest.seconds:.1f} s",
            f"{rate:.2f}",
            _verdict(rate / bare, 0.7),
            counts(o.ingest),
            f"{o.ingest.job_p50_ms:.0f} ms",
            f"{o.refresh.seconds:.2f} s",
            _verdict(ratio, 5.0),
            counts(o.refresh),
            f"{o.ingest.answers['200']}+{o.refresh.answers['200']} / "
            f"{o.ingest.answers['304']}+{o.refresh.answers['304']}",
            str(len(o.ingest.deaths) + len(o.refresh.deaths)),
            o.ingest.cpu.describe(),
            f"{o.ingest.cpu.ours / pages:.3f}",
            f"{load.cpu_seconds / pages:.3f}",
            f"{load.busy_backends():.2f} / {load.share('Lock'):.2f}",
            f"{cores * bare_cpu.ours / (o.ingest.cpu.ours + load.cpu_seconds):.2f}",
        )
    out = Console(width=max(Console().width, 200))
    out.print(table)
    out.print(
        f"bare trafilatura.extract(html), one process: [bold]{bare:.2f} pages/s[/] "
        f"over the same {pages} decompressed bodies ({bare_extracted} gave text); CPU cores "
        f"ours / others meanwhile: {bare_cpu.describe()}; "
        f"CPU s per page: {bare_cpu.ours / pages:.3f}"
    )
    out.print(
        "kbsmith processes ran with KBSMITH_FETCH_ALLOW_NETWORKS=127.0.0.1/32 and "
        f"KBSMITH_FETCH_PER_HOST_CONCURRENCY={args.per_host} (default politeness: 2 "
        "at once per host; all pages come from one host); robots.txt obeyed (allow-all); "
        "gzip transfer; a fresh KBSMITH_DATA_DIR (and PostgreSQL database) per deployment"
    )
    out.print(
        "page server 200 / 304: page answers during ingest+refresh; job p50: claim to "
        "completion of one ingestion job; process deaths: kbsmith processes that died "
        "and were restarted (their jobs return to the queue when their lease expires); "
        "CPU cores: average CPU use of the benchmark's processes / of every other process "
        f"on this {os.cpu_count()}-CPU machine (it may be shared); CPU s per page: CPU time "
        "of every process of the benchmark (kbsmith, page server, poller) per page ingested; "
        f"PG CPU s per page: the PostgreSQL backends of the run's database (in 'others' too); "
        "PG backends busy / lock: mean backends active at once / waiting on a lock; "
        f"CPU-bound vs bare: the ratio if both ran alone on the machine and were bound by CPU "
        f"({cores} cores / CPU s per page with PG's, against 1 / bare's CPU s per page)"
    )
    out.print(f"kbsmith measured: {version}", highlight=False)
    for o in outcomes:
        out.print(
            f"[bold]{o.database} {o.deployment.spec}[/] = {o.deployment.describe()}; "
            f"API check: {o.api_check}",
            highlight=False,
        )
        for label, phase in (("ingest", o.ingest), ("refresh", o.refresh)):
            split = ", ".join(
                f"{role} {seconds / pages:.3f}"
                for role, seconds in sorted(phase.cpu.by_role.items(), key=lambda r: -r[1])
            )
            out.print(f"  {label}: CPU s per page by process: {split}", highlight=False)
            for death in phase.deaths:
                out.print(f"  {label}: {death} died", highlight=False)
            for error, n in phase.errors:
                out.print(f"  {label} failed x{n}: {error[:160]}", highlight=False)


def kbsmith_version() -> str:
    """The commit measured, and whether the source tree differed from it."""
    git = ["git", "-C", str(REPO)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "(not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes under src/" if dirty else "")


def _verdict(value: float, target: float) -> str:
    colour = "green" if value >= target else "red"
    return f"[{colour}]{value:.2f}[/]"


# main -------------------------------------------------------------------------------------------


@contextmanager
def terminated_on_sigterm() -> Iterator[None]:
    """SIGTERM to the benchmark unwinds like Ctrl-C, so that every child is stopped."""

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(args: argparse.Namespace) -> None:
    deployments = [Deployment.parse(s) for s in args.deployment or DEFAULT_DEPLOYMENTS]
    version = kbsmith_version()
    gzipped = load_gzipped(args.data)
    paths = url_paths(len(gzipped), args.pages)
    with ExitStack() as stack:
        stack.enter_context(terminated_on_sigterm())
        wait_quiet(only_this_process, args.quiet_wait, "bare trafilatura")
        console.print(f"bare trafilatura.extract over {len(paths)} bodies…")
        bare = measure_bare(gzipped, paths)
        console.print(f"  {bare[0]:.2f} pages/s", highlight=False)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kbsmith-bench-")))
        server = start_page_server(args.data, args.pages, workdir)
        stack.callback(stop_process, server[0])
        urls = [f"{server[1]}{path}" for path, _ in paths]
        outcomes = [
            measure_deployment(kind, d, urls, server, args, workdir)
            for kind in args.database
            for d in deployments
        ]
    report(outcomes, bare, args, len(paths), len(gzipped), version)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="the web-pages data set (a directory with html/NNNN.html.gz)",
    )
    parser.add_argument("--pages", type=int, default=1000, help="distinct URLs to ingest")
    parser.add_argument(
        "--deployment",
        action="append",
        metavar="SPEC",
        help="'plain' or 'S+PxC' (repeatable; the first is the default one; "
        f"without any: {' '.join(DEFAULT_DEPLOYMENTS)})",
    )
    parser.add_argument(
        "--database",
        nargs="+",
        choices=DATABASES,
        default=["sqlite"],
        help="every deployment on each: the embedded default, or a fresh database on "
        "--postgres-url's server (default: sqlite)",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="a PostgreSQL server the benchmark may create and drop databases on (its database "
        "part is ignored; default %(default)s)",
    )
    parser.add_argument(
        "--per-host",
        type=int,
        default=64,
        help="KBSMITH_FETCH_PER_HOST_CONCURRENCY for the kbsmith processes",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800,
        help="seconds a phase may take before the benchmark gives up",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=300,
        help="seconds to wait, before each measurement, for other processes to leave the "
        "CPUs idle (the load they cause is printed either way; 0: do not wait)",
    )
    parser.add_argument("--serve-pages", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_pages:
        serve_pages(arguments.data, arguments.pages)
    else:
        main(arguments)
