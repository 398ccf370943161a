"""End-to-end web ingestion through the HTTP API of real `kbsmith` processes, against a local site.

    .venv/bin/python bench/ingest.py [--data DIR] [--pages 1000] [--deployment SPEC ...]

Serves the pages of the web-pages data set (default ``<repo>/../shared/data/web-pages``, the
gzip files under ``html/``) repeated to ``--pages`` distinct URLs (``/copy-2/0001.html``) from a
page server in a separate process on 127.0.0.1 that behaves like a static web server: Content-
Type with charset, strong ETag, Last-Modified, gzip when asked for (``gzip_static``), 304 for a
matching If-None-Match / If-Modified-Since, and an allow-all robots.txt. Then, per deployment,
on a fresh temporary ``KBSMITH_DATA_DIR`` (embedded SQLite):

1. POSTs every URL to ``/v2/documents/public`` (batches of at most 1,000) and measures pages/s
   from the first POST until every job is terminal (COMPLETED or FAILED); job status is read
   with a read-only SQLite connection to the data dir's ``kbsmith.db``;
2. compares it with bare ``trafilatura.extract(html)`` over the same 1,000 decompressed bodies
   in this one process (measured once, before any deployment starts; target ratio >= 0.7);
3. POSTs ``/v2/documents/public/refresh`` for all of them (nothing changed, so the fetches are
   answered 304) and measures the time until every job is terminal again (target: the first
   ingestion takes >= 5x as long);
4. prints COMPLETED/FAILED per phase with the most common errors, and the page server's 200
   and 304 answers per phase.

A deployment SPEC is ``plain`` (``kbsmith serve``: its default in-process workers) or
``S+PxC``: ``kbsmith serve --workers S`` plus P ``kbsmith worker --concurrency C`` processes
(``0+2x4``: an API process without workers and two worker processes running 4 jobs each).
The first ``--deployment`` given is the default one; without any, ``0+2x4`` and ``plain`` run.
The processes get ``KBSMITH_FETCH_ALLOW_NETWORKS=127.0.0.1/32`` (the page server is on
loopback) and ``KBSMITH_FETCH_PER_HOST_CONCURRENCY`` (``--per-host``, default 64: every page
comes from one host, and the default politeness of 2 requests at once would be the bottleneck).
Every process started here is stopped at the end, also on Ctrl-C or error.
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
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "web-pages"
DEFAULT_DEPLOYMENTS = ["0+2x4", "plain"]
BATCH = 1000  # the API's limit on ids per request
POLL_SECONDS = 0.025
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
STATS_PATH = "/__stats"
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
    return [(f"/copy-{i // originals + 1}/{i % originals + 1:04d}.html", i % originals)
            for i in range(pages)]


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
        self.answers: Counter[int] = Counter()
        self.lock = threading.Lock()

    def count(self, status: int) -> None:
        with self.lock:
            self.answers[status] += 1


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
            self._send(200, ROBOTS_TXT, {"Content-Type": "text/plain; charset=utf-8"})
        elif path == STATS_PATH:
            with self.site.lock:
                stats = json.dumps({str(k): v for k, v in self.site.answers.items()}).encode()
            self._send(200, stats, {"Content-Type": "application/json"}, counted=False)
        elif (page := self.site.pages.get(path)) is None:
            self._send(404, b"not found\n", {"Content-Type": "text/plain; charset=utf-8"})
        else:
            self._page(page)

    def _page(self, page: Page) -> None:
        validators = {"ETag": page.etag, "Last-Modified": page.last_modified,
                      "Cache-Control": "max-age=0", "Vary": "Accept-Encoding"}
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
        self, status: int, body: bytes, headers: dict[str, str], *, counted: bool = True
    ) -> None:
        if counted:
            self.site.count(status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
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
    """Every child process of the benchmark; `stop_all` ends them (SIGTERM, then SIGKILL)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.running.append((name, process))
        return process

    def check_alive(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 15) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    def stop_all(self) -> None:
        for _, process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.running:
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
    command = [sys.executable, __file__, "--serve-pages", "--data", str(data),
               "--pages", str(pages)]
    with (logs / "page-server.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log,
                                   start_new_session=True)
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    if not line.isdigit():
        process.kill()
        raise RuntimeError(f"the page server did not start: {line!r}")
    return process, f"http://127.0.0.1:{line}"


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
            return "kbsmith serve (default in-process workers)"
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


@dataclass
class Outcome:
    deployment: Deployment
    ingest: Phase
    refresh: Phase
    api_check: str


def kbsmith_env(data_dir: Path, per_host: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBSMITH_")}
    env.update(
        KBSMITH_DATA_DIR=str(data_dir),
        KBSMITH_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
        KBSMITH_FETCH_PER_HOST_CONCURRENCY=str(per_host),
        KBSMITH_LOG_FORMAT="json",
        PYTHONFAULTHANDLER="1",  # a crash in a C extension leaves a traceback in the log
    )
    return env


def create_key(env: dict[str, str]) -> str:
    command = [sys.executable, "-m", "kbsmith", "keys", "create", "--workspace", "bench",
               "--scope", "read", "--scope", "write"]
    done = subprocess.run(command, env=env, capture_output=True, check=True)
    return done.stdout.decode().strip().splitlines()[-1]


def start_deployment(
    deployment: Deployment, processes: Processes, env: dict[str, str]
) -> str:
    port = free_port()
    serve = [sys.executable, "-m", "kbsmith", "serve", "--port", str(port)]
    if deployment.serve_workers is not None:
        serve += ["--workers", str(deployment.serve_workers)]
    processes.start("serve", serve, env)
    for i in range(deployment.worker_processes):
        command = [sys.executable, "-m", "kbsmith", "worker",
                   "--concurrency", str(deployment.concurrency)]
        processes.start(f"worker-{i + 1}", command, env)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, deployment.worker_loops, processes)
    return base


def wait_ready(base: str, worker_loops: int, processes: Processes) -> None:
    """/readyz answers 200 and every worker loop has logged that it started."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        processes.check_alive()
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
    """Job status of every source's latest job, read-only, straight from kbsmith.db."""

    def __init__(self, database: Path) -> None:
        self.connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)

    def statuses(self) -> Counter[str]:
        rows = self.connection.execute(
            "SELECT coalesce(j.status, 'NONE'), count(*) FROM sources s "
            "LEFT JOIN jobs j ON j.id = s.linked_job_id GROUP BY 1"
        ).fetchall()
        return Counter({str(status): int(n) for status, n in rows})

    def errors(self, limit: int = 5) -> list[tuple[str, int]]:
        rows = self.connection.execute(
            "SELECT j.error, count(*) FROM sources s JOIN jobs j ON j.id = s.linked_job_id "
            "WHERE j.status = 'FAILED' GROUP BY j.error ORDER BY 2 DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [(str(error), int(n)) for error, n in rows]

    def retried(self) -> int:
        row = self.connection.execute(
            "SELECT count(*) FROM sources s JOIN jobs j ON j.id = s.linked_job_id "
            "WHERE j.attempts > 1"
        ).fetchone()
        return int(row[0])

    def job_p50_ms(self) -> float:
        """Median claim-to-completion time of the latest jobs (one job's own work)."""
        rows = self.connection.execute(
            "SELECT (julianday(j.completed_at) - julianday(j.started_at)) * 86400000.0 "
            "FROM sources s JOIN jobs j ON j.id = s.linked_job_id "
            "WHERE j.completed_at IS NOT NULL AND j.started_at IS NOT NULL ORDER BY 1"
        ).fetchall()
        return float(rows[len(rows) // 2][0]) if rows else 0.0

    def close(self) -> None:
        self.connection.close()


def wait_terminal(reader: JobReader, total: int, label: str, processes: Processes,
                  timeout: float) -> Counter[str]:
    deadline = time.monotonic() + timeout
    shown = time.monotonic()
    while True:
        statuses = reader.statuses()
        done = statuses["COMPLETED"] + statuses["FAILED"]
        if done >= total:
            return statuses
        if time.monotonic() > deadline:
            raise TimeoutError(f"{label}: only {done} of {total} jobs terminal")
        if time.monotonic() - shown > 10:
            shown = time.monotonic()
            processes.check_alive()
            console.print(f"  {label}: {done}/{total} terminal", highlight=False)
        time.sleep(POLL_SECONDS)


def server_answers(client: httpx.Client, site: str) -> Counter[str]:
    return Counter(client.get(f"{site}{STATS_PATH}").json())


def post(api: httpx.Client, path: str, body: dict[str, Any]) -> Any:
    answer = api.post(path, json=body)
    if answer.status_code != 200:
        raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text[:500]}")
    return answer.json()


def run_phase(
    label: str,
    requests: list[tuple[str, dict[str, Any]]],
    api: httpx.Client,
    reader: JobReader,
    context: tuple[str, Processes, int, float],
) -> tuple[Phase, list[Any]]:
    site, processes, total, timeout = context
    before = server_answers(api, site)
    started = time.perf_counter()
    answers = [post(api, path, body) for path, body in requests]
    statuses = wait_terminal(reader, total, label, processes, timeout)
    seconds = time.perf_counter() - started
    phase = Phase(seconds=seconds, statuses=statuses, errors=reader.errors(),
                  retried=reader.retried(), answers=server_answers(api, site) - before,
                  job_p50_ms=reader.job_p50_ms())
    return phase, answers


def api_check(api: httpx.Client, document_id: str) -> str:
    """One document read through the API, to show the stored result is what the API serves."""
    document = api.get(f"/v2/documents/public/{document_id}").json()
    return (f"{document.get('originalUrl')}: {document.get('linkedJobStatus')}, "
            f"{len(document.get('paragraphs') or [])} paragraphs, title "
            f"{str(document.get('title'))[:50]!r}")


def measure_deployment(
    deployment: Deployment, urls: list[str], site: str, args: argparse.Namespace, workdir: Path
) -> Outcome:
    data_dir = workdir / f"data-{deployment.spec.replace('+', '_')}"
    logs = data_dir / "logs"
    logs.mkdir(parents=True)
    env = kbsmith_env(data_dir, args.per_host)
    processes = Processes(logs)
    reader: JobReader | None = None
    try:
        key = create_key(env)
        base = start_deployment(deployment, processes, env)
        reader = JobReader(data_dir / "kbsmith.db")
        with httpx.Client(base_url=base, timeout=120,
                          headers={"Authorization": f"Bearer {key}"}) as api:
            context = (site, processes, len(urls), args.timeout)
            adds = [("/v2/documents/public", {"source": "web", "documentIdsToAdd": urls[i:i + BATCH]})
                    for i in range(0, len(urls), BATCH)]
            console.print(f"[bold]{deployment.describe()}[/]: ingesting {len(urls)} pages")
            ingest, answers = run_phase("ingest", adds, api, reader, context)
            ids = [i for a in answers for i in a["addedDocumentIds"] + a["updatedDocumentIds"]]
            console.print(f"  ingest: {ingest.seconds:.1f} s; refreshing", highlight=False)
            refreshes = [("/v2/documents/public/refresh", {"documentIds": ids[i:i + BATCH]})
                         for i in range(0, len(ids), BATCH)]
            refresh, _ = run_phase("refresh", refreshes, api, reader, context)
            console.print(f"  refresh: {refresh.seconds:.2f} s", highlight=False)
            check = api_check(api, ids[0])
        return Outcome(deployment, ingest, refresh, check)
    except Exception:
        for name, _ in processes.running:
            console.print(f"[red]--- last lines of {name} ---[/]\n{processes.tail(name)}",
                          highlight=False, markup=True)
        raise
    finally:
        if reader is not None:
            reader.close()
        processes.stop_all()


def measure_bare(gzipped: list[bytes], paths: list[tuple[str, int]]) -> tuple[float, int]:
    """pages/s of bare ``trafilatura.extract(html)`` in this process, over every URL's body."""
    import trafilatura  # noqa: PLC0415 (only the measuring process needs it)

    originals = [gzip.decompress(g) for g in gzipped]
    bodies = [originals[i] for _, i in paths]
    extracted = 0
    started = time.perf_counter()
    for body in bodies:
        if trafilatura.extract(body):
            extracted += 1
    return len(bodies) / (time.perf_counter() - started), extracted


# report -----------------------------------------------------------------------------------------


def counts(phase: Phase) -> str:
    text = f"{phase.statuses['COMPLETED']} / {phase.statuses['FAILED']}"
    return text + (f" ({phase.retried} retried)" if phase.retried else "")


def report(outcomes: list[Outcome], bare: float, bare_extracted: int, args: argparse.Namespace,
           pages: int, originals: int) -> None:
    table = Table(
        "deployment", "ingest", "pages/s", "vs bare\n(≥ 0.7)", "ingest\nok / failed",
        "job p50", "refresh", "ingest /\nrefresh (≥ 5)", "refresh\nok / failed",
        "page server\n200 / 304",
        title=f"web ingestion end to end: {pages} pages ({originals} real pages repeated) "
        f"through the API of real kbsmith processes on SQLite",
    )
    for o in outcomes:
        ratio = o.ingest.seconds / o.refresh.seconds if o.refresh.seconds else 0.0
        rate = pages / o.ingest.seconds
        table.add_row(
            ("[bold]" if o is outcomes[0] else "") + o.deployment.spec
            + ("[/] (default)" if o is outcomes[0] else ""),
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
        )
    out = Console()
    out.print(table)
    out.print(f"bare trafilatura.extract(html), one process: [bold]{bare:.2f} pages/s[/] "
              f"over the same {pages} decompressed bodies ({bare_extracted} gave text)")
    out.print("kbsmith processes ran with KBSMITH_FETCH_ALLOW_NETWORKS=127.0.0.1/32 and "
              f"KBSMITH_FETCH_PER_HOST_CONCURRENCY={args.per_host} (default politeness: 2 "
              "at once per host; all pages come from one host); robots.txt obeyed (allow-all); "
              "gzip transfer; fresh KBSMITH_DATA_DIR (SQLite) per deployment")
    out.print("page server 200 / 304: answers during ingest+refresh; job p50: claim to "
              "completion of one ingestion job")
    for o in outcomes:
        out.print(f"[bold]{o.deployment.spec}[/] = {o.deployment.describe()}; API check: "
                  f"{o.api_check}", highlight=False)
        for label, phase in (("ingest", o.ingest), ("refresh", o.refresh)):
            for error, n in phase.errors:
                out.print(f"  {label} failed x{n}: {error[:160]}", highlight=False)


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
    gzipped = load_gzipped(args.data)
    paths = url_paths(len(gzipped), args.pages)
    console.print(f"bare trafilatura.extract over {len(paths)} bodies…")
    bare, bare_extracted = measure_bare(gzipped, paths)
    console.print(f"  {bare:.2f} pages/s", highlight=False)
    outcomes: list[Outcome] = []
    with ExitStack() as stack, terminated_on_sigterm():
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kbsmith-bench-")))
        server, site = start_page_server(args.data, args.pages, workdir)

        def stop_server() -> None:
            server.terminate()
            try:
                server.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

        stack.callback(stop_server)
        urls = [f"{site}{path}" for path, _ in paths]
        for deployment in deployments:
            outcomes.append(measure_deployment(deployment, urls, site, args, workdir))
    report(outcomes, bare, bare_extracted, args, len(paths), len(gzipped))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="the web-pages data set (a directory with html/NNNN.html.gz)")
    parser.add_argument("--pages", type=int, default=1000, help="distinct URLs to ingest")
    parser.add_argument("--deployment", action="append", metavar="SPEC",
                        help="'plain' or 'S+PxC' (repeatable; the first is the default one; "
                        f"without any: {' '.join(DEFAULT_DEPLOYMENTS)})")
    parser.add_argument("--per-host", type=int, default=64,
                        help="KBSMITH_FETCH_PER_HOST_CONCURRENCY for the kbsmith processes")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds a phase may take before the benchmark gives up")
    parser.add_argument("--serve-pages", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_pages:
        serve_pages(arguments.data, arguments.pages)
    else:
        main(arguments)
