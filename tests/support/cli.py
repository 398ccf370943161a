"""Running the `kbsmith` command and `kbsmith serve` as a person does, for the CLI tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.hostile_server import HostileServer, Page
from tests.support.processes import REPO_ROOT

HELP_PAGE = Page(
    b"<html><head><title>Help</title></head><body><article><h1>Help</h1>"
    b"<p>Open Settings and choose Reset to start again from scratch.</p>"
    b"</article></body></html>"
)


@contextmanager
def help_site() -> Iterator[HostileServer]:
    """A local web server with one help page at /help."""
    server = HostileServer()
    server.pages["/help"] = HELP_PAGE
    server.start()
    try:
        yield server
    finally:
        server.stop()


KBSMITH = [sys.executable, "-m", "kbsmith"]


def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KBSMITH_DATA_DIR=str(tmp_path / "data"),
        KBSMITH_LOG_FORMAT="json",
        KBSMITH_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
        KBSMITH_JOB_POLL_INTERVAL="0.05",
    )
    if not database_url.startswith("sqlite"):
        env["KBSMITH_DATABASE_URL"] = database_url
    return env


def kbsmith(
    env: dict[str, str], *args: str, cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KBSMITH, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
    )


PROCESS_DEADLINE = 120.0
"""How long a real kbsmith process may take to start or to process a page: on a loaded machine
its imports alone take tens of seconds (a deadline, not a sleep: a fast start returns at once)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PROCESS_DEADLINE
    while time.monotonic() < deadline:
        assert process.poll() is None, "kbsmith serve exited early"
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def ingest_through(base: str, headers: dict[str, str], url: str) -> dict[str, Any]:
    """POST a page, then poll until the server's in-process workers have processed it."""
    answer = httpx.post(
        f"{base}/v2/documents/public", headers=headers, json={"documentIdsToAdd": [url]}
    )
    assert answer.status_code == 200, answer.text
    (document_id,) = answer.json()["addedDocumentIds"]
    deadline = time.monotonic() + PROCESS_DEADLINE
    while time.monotonic() < deadline:
        document: dict[str, Any] = httpx.get(
            f"{base}/v2/documents/public/{document_id}", headers=headers
        ).json()
        if document["linkedJobStatus"] in ("COMPLETED", "FAILED"):
            return document
        time.sleep(0.1)
    raise AssertionError("the ingestion job did not end")


def migrated_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The CLI's environment; PostgreSQL migrated (the embedded default migrates itself)."""
    env = cli_env(tmp_path, database_url)
    if "KBSMITH_DATABASE_URL" in env:
        assert kbsmith(env, "migrate").returncode == 0
    return env


def read_write_key(env: dict[str, str]) -> str:
    """A new read and write key of workspace acme (the last line `keys create` prints)."""
    created = kbsmith(
        env, "keys", "create", "--workspace", "acme", "--scope", "read", "--scope", "write"
    )
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


def start_serve(env: dict[str, str], port: int, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*KBSMITH, "serve", "--port", str(port), *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO_ROOT,
    )
