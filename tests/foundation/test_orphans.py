"""Worker processes (and their extraction children) end when their `kbsmith serve` ends,
however it ends: SIGKILL runs no code in serve, so they notice by themselves."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.support.cli import (
    free_port,
    help_site,
    ingest_through,
    migrated_env,
    read_write_key,
    start_serve,
    wait_until_up,
)

pytestmark = pytest.mark.slow  # starts real kbsmith processes


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def descendants(pid: int) -> list[int]:
    direct = children(pid)
    return direct + [grandchild for child in direct for grandchild in descendants(child)]


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for(condition: object, timeout: float) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


@pytest.mark.usefixtures("db")
def test_sigkilled_serve_leaves_no_worker_or_extraction_process(
    tmp_path: Path, database_url: str
) -> None:
    env = migrated_env(tmp_path, database_url)
    headers = {"Authorization": f"Bearer {read_write_key(env)}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serve(env, port, "--workers", "1", "--worker-processes", "2")
    try:
        wait_until_up(base, server)
        with help_site() as site:
            document = ingest_through(base, headers, site.url("/help"))
        assert document["linkedJobStatus"] == "COMPLETED", document["error"]
        # two workers, and the extraction child of the one that ran the job
        wait_for(lambda: len(descendants(server.pid)) >= 3, 30)
        family = descendants(server.pid)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    wait_for(lambda: not any(running(pid) for pid in family), 10)
