"""Shared pieces of the end-to-end benchmarks (not a benchmark itself).

Real ``kbsmith`` processes on a fresh embedded data dir, supervised and always stopped; a static
web server on 127.0.0.1 that answers like a real one (Content-Type with charset, strong ETag,
Last-Modified, 304 on conditional requests, gzip when a page has a precompressed body); the
database a deployment runs on (the embedded SQLite default, or a PostgreSQL database made for
the run and dropped after it), read-only with SQL both dialects run, for progress, so that
waiting costs the API nothing; and what the PostgreSQL server spends on that database.

Imported by ``bench/generation.py`` (scripts in ``bench/`` import it as ``_common``: Python puts
a script's own directory first on ``sys.path``).
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
from rich.console import Console

BATCH = 1000  # the API's limit on ids per request
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
SPEC = re.compile(r"^(?P<serve>\d+)\+(?P<procs>\d+)x(?P<concurrency>\d+)$")
TERMINAL = ("COMPLETED", "FAILED")

console = Console(stderr=True)

T = TypeVar("T")


def batched(values: Sequence[T], size: int = BATCH) -> list[list[T]]:
    return [list(values[i : i + size]) for i in range(0, len(values), size)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process and its waited-for children, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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


# a static web server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StaticPage:
    body: bytes
    content_type: str
    etag: str
    last_modified: str
    modified_at: float
    gzipped: bytes | None = None


def static_page(
    body: bytes, content_type: str, modified_at: float, gzipped: bytes | None = None
) -> StaticPage:
    """A page with the validators a static server derives from the file (as nginx does)."""
    return StaticPage(
        body=body,
        content_type=content_type,
        etag=f'"{hashlib.sha1(body).hexdigest()[:20]}-{len(body):x}"',
        last_modified=email.utils.formatdate(modified_at, usegmt=True),
        modified_at=modified_at,
        gzipped=gzipped,
    )


def not_modified(
    page: StaticPage, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or page.etag in tags
    if if_modified_since is not None:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(page.modified_at) <= since
    return False


class StaticSite:
    """The pages a static server serves, by path; all of them can be swapped at once (a new
    release of the site deployed). Counts its answers by kind: '200', '304', '404', 'robots'."""

    def __init__(self, pages: Mapping[str, StaticPage]) -> None:
        self._pages = dict(pages)
        self._answers: Counter[str] = Counter()
        self._lock = threading.Lock()

    def replace(self, pages: Mapping[str, StaticPage]) -> None:
        with self._lock:
            self._pages = dict(pages)

    def get(self, path: str) -> StaticPage | None:
        with self._lock:
            return self._pages.get(path)

    def count(self, kind: str) -> None:
        with self._lock:
            self._answers[kind] += 1

    def answers(self) -> Counter[str]:
        with self._lock:
            return Counter(self._answers)


class StaticHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench-static/1.0"
    site: StaticSite

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            self._send(200, ROBOTS_TXT, {"Content-Type": "text/plain; charset=utf-8"}, send_body)
            self.site.count("robots")
            return
        page = self.site.get(path)
        if page is None:
            self._send(
                404, b"not found\n", {"Content-Type": "text/plain; charset=utf-8"}, send_body
            )
            self.site.count("404")
            return
        validators = {
            "ETag": page.etag,
            "Last-Modified": page.last_modified,
            "Cache-Control": "max-age=0",
            "Vary": "Accept-Encoding",
        }
        if not_modified(
            page, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        ):
            self._send(304, b"", validators, send_body)
            self.site.count("304")
            return
        headers = {"Content-Type": page.content_type, **validators}
        if page.gzipped is not None and "gzip" in self.headers.get("Accept-Encoding", ""):
            self._send(200, page.gzipped, {**headers, "Content-Encoding": "gzip"}, send_body)
        else:
            self._send(200, page.body, headers, send_body)
        self.site.count("200")

    def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304 and send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serving(site: StaticSite) -> Iterator[str]:
    """Serve *site* on 127.0.0.1 from a thread of this process; yields its base URL."""
    handler = type("Handler", (StaticHandler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="static-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(STOP_TIMEOUT)


# kbsmith processes ------------------------------------------------------------------------------


def child_pids(pid: int) -> set[int]:
    """The children of *pid* (Linux /proc); none once it has ended."""
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


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

    def pids(self) -> dict[str, int]:
        """Every process of the deployment, with the worker processes `serve` started."""
        pids = {name: process.pid for name, (_, process) in self.running.items()}
        for name, pid in list(pids.items()):
            for n, child in enumerate(sorted(child_pids(pid)), 1):
                pids[f"{name}-worker-{n}"] = child
        return pids

    def cpu_seconds(self) -> float:
        """User + system CPU time the running processes have used so far (Linux /proc)."""
        return sum(cpu_seconds(pid) for pid in self.pids().values())

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


@dataclass(frozen=True)
class Deployment:
    """``plain`` (``kbsmith serve`` with its default workers: a process per core) or ``S+PxC``:
    ``kbsmith serve --workers S`` plus P ``kbsmith worker --concurrency C`` processes."""

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


def kbsmith_env(data_dir: Path, per_host: int, **extra: str) -> dict[str, str]:
    """This environment without any KBSMITH_ variable, plus a fresh data dir, loopback admitted
    by the fetcher's SSRF guard, and *per_host* fetches at once (every page is on one host)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBSMITH_")}
    env.update(
        KBSMITH_DATA_DIR=str(data_dir),
        KBSMITH_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
        KBSMITH_FETCH_PER_HOST_CONCURRENCY=str(per_host),
        KBSMITH_RATE_LIMIT="1000000000",  # every request is counted, none refused
        KBSMITH_LOG_FORMAT="json",
        PYTHONFAULTHANDLER="1",  # a crash in a C extension leaves a traceback in the log
        **extra,
    )
    return env


def kbsmith_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kbsmith", *args]


def create_key(env: dict[str, str], workspace: str = "bench") -> str:
    command = kbsmith_command(
        "keys", "create", "--workspace", workspace, "--scope", "read", "--scope", "write"
    )
    done = subprocess.run(command, env=env, capture_output=True, check=True)
    return done.stdout.decode().strip().splitlines()[-1]


def start_deployment(deployment: Deployment, processes: Processes) -> str:
    """Start the processes of *deployment*; answers the API's base URL once it is ready."""
    port = free_port()
    serve = kbsmith_command("serve", "--port", str(port))
    if deployment.serve_workers is not None:
        serve += ["--workers", str(deployment.serve_workers)]
    processes.start("serve", serve)
    for i in range(deployment.worker_processes):
        command = kbsmith_command("worker", "--concurrency", str(deployment.concurrency))
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


# the database, read-only ------------------------------------------------------------------------

DATABASES = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MONITOR_INTERVAL = 0.1


@dataclass(frozen=True)
class BenchDatabase:
    """The database one deployment runs on: the embedded default (the data dir's SQLite file)
    or a PostgreSQL database created for this run."""

    kind: str
    url: str | None
    """``KBSMITH_DATABASE_URL`` (None: the embedded default, which kbsmith finds itself)."""
    reader_url: str
    """What `ReadOnlyDatabase` connects to."""
    name: str

    def env(self) -> dict[str, str]:
        return {"KBSMITH_DATABASE_URL": self.url} if self.url else {}


@contextmanager
def bench_database(kind: str, data_dir: Path, postgres_url: str) -> Iterator[BenchDatabase]:
    """``sqlite``: the data dir's ``kbsmith.db`` (read only here, in WAL mode it never blocks a
    writer). ``postgresql``: a database with a unique name on the server of *postgres_url*,
    dropped at the end (also on Ctrl-C or error, ``WITH (FORCE)``: a process that outlived its
    stop does not keep it)."""
    if kind == "sqlite":
        path = data_dir / "kbsmith.db"
        yield BenchDatabase(kind, None, f"sqlite:///file:{path}?mode=ro&uri=true", path.name)
        return
    if kind != "postgresql":
        raise ValueError(f"database {kind!r}: use one of {', '.join(DATABASES)}")
    from sqlalchemy import create_engine, make_url, text

    name = f"kbsmith_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        try:
            yield BenchDatabase(kind, url, url, name)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()


def migrate(env: dict[str, str]) -> None:
    """``kbsmith migrate``, as a PostgreSQL deployment runs it once per upgrade (``serve``
    applies migrations itself only on the embedded default)."""
    subprocess.run(kbsmith_command("migrate"), env=env, capture_output=True, check=True)


class ReadOnlyDatabase:
    """One autocommit connection that only reads, for progress and for what the API does not
    list cheaply; the SQL it is given is written to run on SQLite and PostgreSQL alike (named
    parameters: ``:kind``)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        options: dict[str, Any] = (
            {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
        )
        self.engine = create_engine(
            url, isolation_level="AUTOCOMMIT", poolclass=NullPool, **options
        )
        self.connection = self.engine.connect()

    def job_statuses(self, kind: str) -> Counter[str]:
        rows = self.rows(
            "SELECT status, count(*) FROM jobs WHERE kind = :kind GROUP BY status", kind=kind
        )
        return Counter({str(status): int(n) for status, n in rows})

    def rows(self, query: str, **parameters: Any) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        return [tuple(row) for row in self.connection.execute(text(query), parameters)]

    def close(self) -> None:
        self.connection.close()
        self.engine.dispose()


def as_uuid(value: Any) -> str:
    """A UUID column's value as text: SQLite keeps 32 hex digits, PostgreSQL a native uuid."""
    return str(uuid.UUID(hex=str(value)))


def as_datetime(value: Any) -> datetime:
    """A timestamp column's value: SQLite answers ISO text, PostgreSQL a datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class ServerLoad:
    """What a PostgreSQL server did for one database over a span: CPU of its backends and
    what the busy ones waited on, sampled from ``pg_stat_activity``."""

    cpu_seconds: float = 0.0
    samples: int = 0
    waits: Counter[str] = field(default_factory=Counter)
    """Per sample, each active backend's state: ``CPU`` (no wait event), ``Lock:tuple``,
    ``LWLock:WALWrite``, ``IO:DataFileRead``, … (``Client`` waits, idle backends left out)."""
    held: int = 0
    """Samples in which a backend held an exclusive advisory lock (generation's saving lock,
    ``dialect.lock_workspace_knowledge``: one workspace here)."""

    def __sub__(self, earlier: ServerLoad) -> ServerLoad:
        return ServerLoad(
            self.cpu_seconds - earlier.cpu_seconds,
            self.samples - earlier.samples,
            self.waits - earlier.waits,
            self.held - earlier.held,
        )

    def held_share(self) -> float:
        """The share of the time the saving lock was held: near 1, saving is the bottleneck
        (every save waits for the one before it)."""
        return self.held / self.samples if self.samples else 0.0

    def busy_backends(self) -> float:
        """Mean number of backends active at once (CPU or waiting on the server)."""
        return sum(self.waits.values()) / self.samples if self.samples else 0.0

    def share(self, prefix: str) -> float:
        """Mean number of backends at once in states starting with *prefix* (e.g. ``Lock``)."""
        found = sum(n for state, n in self.waits.items() if state.startswith(prefix))
        return found / self.samples if self.samples else 0.0

    def top_waits(self, n: int = 3) -> str:
        waits = [(s, c) for s, c in self.waits.most_common() if s != "CPU"][:n]
        return ", ".join(f"{s} {c / self.samples:.2f}" for s, c in waits) if self.samples else ""


class ServerMonitor:
    """Samples ``pg_stat_activity`` for one database every 0.1 s in a thread: the wait event of
    every active backend, and each backend's CPU time from ``/proc`` (the server runs on this
    machine). A backend that ends between two samples loses at most its last 0.1 s. On SQLite
    (no server) every reading is empty."""

    def __init__(self, database: BenchDatabase) -> None:
        self._cpu: dict[int, float] = {}
        self._first: dict[int, float] = {}
        self._samples = 0
        self._waits: Counter[str] = Counter()
        self._held = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = (
            ReadOnlyDatabase(database.reader_url) if database.kind == "postgresql" else None
        )
        self._name = database.name
        self._thread = threading.Thread(target=self._run, name="pg-monitor", daemon=True)
        if self._reader is not None:
            self._thread.start()

    def _run(self) -> None:
        assert self._reader is not None
        while not self._stop.wait(MONITOR_INTERVAL):
            rows = self._reader.rows(
                "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()",
                name=self._name,
            )
            held = self._reader.rows(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE d.datname = :name AND l.locktype = 'advisory' AND l.granted "
                "AND l.mode = 'ExclusiveLock'",
                name=self._name,
            )[0][0]
            with self._lock:
                self._samples += 1
                self._held += int(held > 0)
                for pid, state, wait_type, wait_event in rows:
                    used = cpu_seconds(int(pid))
                    self._first.setdefault(int(pid), used)
                    self._cpu[int(pid)] = max(self._cpu.get(int(pid), 0.0), used)
                    if state != "active" or wait_type == "Client":
                        continue
                    self._waits["CPU" if wait_type is None else f"{wait_type}:{wait_event}"] += 1

    def read(self) -> ServerLoad:
        with self._lock:
            used = sum(self._cpu[pid] - self._first[pid] for pid in self._cpu)
            return ServerLoad(used, self._samples, Counter(self._waits), self._held)

    def close(self) -> None:
        self._stop.set()
        if self._reader is not None:
            self._thread.join(STOP_TIMEOUT)
            self._reader.close()


def wait_for_jobs(
    database: ReadOnlyDatabase,
    kind: str,
    total: int,
    *,
    label: str,
    timeout: float,
    processes: Processes,
    already: int = 0,
    poll: float = 0.05,
) -> Counter[str]:
    """Wait until *total* jobs of *kind* exist and none of them is pending or running.
    *already*: how many of them ended before this phase (progress shows this phase only)."""
    started = deadline = time.monotonic()
    deadline += timeout
    shown = started
    while True:
        statuses = database.job_statuses(kind)
        done = sum(statuses[s] for s in TERMINAL)
        if sum(statuses.values()) >= total and done == sum(statuses.values()):
            return statuses
        if time.monotonic() > deadline:
            raise TimeoutError(f"{label}: only {done - already} of {total - already} jobs ended")
        processes.restart_dead()
        if time.monotonic() - shown > 15:
            shown = time.monotonic()
            rate = (done - already) / (shown - started)
            console.print(
                f"  {label}: {done - already}/{total - already} ended ({rate:.1f}/s)",
                highlight=False,
            )
        time.sleep(poll)


def version_row(article: dict[str, Any]) -> dict[str, Any]:
    """The first version of an article row made for a bulk load."""
    fields = ("title", "main_knowledge", "agent_instruction", "questions", "keywords")
    return {
        "id": uuid.uuid4(),
        "article_id": article["id"],
        "version": 1,
        "change": "create",
        "escalation": False,
        "active": True,
        "public": True,
        "created_at": article["created_at"],
        **{field: article[field] for field in fields},
    }


def child_result(script: str, *args: str) -> dict[str, Any]:
    """Run *script* again in a fresh Python process with *args* (its child mode) and read
    the JSON object it prints last."""
    done = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, check=True
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found
