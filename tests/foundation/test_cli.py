"""The command line as a person uses it: real processes, the embedded default or PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.support.cli import (
    PROCESS_DEADLINE,
    cli_env,
    free_port,
    ingest_through,
    kbsmith,
    migrated_env,
    read_write_key,
    start_serve,
    wait_until_up,
)
from tests.support.hostile_server import HostileServer

pytestmark = pytest.mark.slow  # starts real kbsmith processes


@pytest.mark.usefixtures("db")
def test_keys_create_list_revoke_and_serve(
    tmp_path: Path, database_url: str, web: HostileServer
) -> None:
    env = migrated_env(tmp_path, database_url)

    write_key = read_write_key(env)
    created = kbsmith(
        env, "keys", "create", "--workspace", "acme", "--scope", "read", "--name", "ci"
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("kbs_")

    listed = kbsmith(env, "keys", "list", "--workspace", "acme", "--json")
    assert listed.returncode == 0, listed.stderr
    key = next(k for k in map(json.loads, listed.stdout.splitlines()) if k["name"] == "ci")
    assert key["name"] == "ci" and key["scopes"] == "read" and key["state"] == "active"
    assert secret not in listed.stdout and secret.startswith(key["key"].rstrip("…"))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serve(env, port, "--workers", "1", "--worker-processes", "0")
    try:
        wait_until_up(base, server)
        auth = {"Authorization": f"Bearer {secret}"}
        assert httpx.get(f"{base}/v2/bots/public", headers=auth).status_code == 200
        assert (
            httpx.post(f"{base}/v2/bots/public", headers=auth, json={"name": "x"}).status_code
            == 403
        )
        assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}
        processed = ingest_through(base, {"Authorization": f"Bearer {write_key}"}, web.url("/help"))
        assert processed["linkedJobStatus"] == "COMPLETED", processed["error"]
        assert "choose Reset" in processed["paragraphs"][0]

        revoked = kbsmith(env, "keys", "revoke", key["id"])
        assert revoked.returncode == 0, revoked.stderr
        assert httpx.get(f"{base}/v2/bots/public", headers=auth).status_code == 401
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    # uvicorn re-raises SIGTERM after a graceful shutdown, as a well-behaved daemon does.
    assert server.returncode in (0, -signal.SIGTERM)
    assert "worker stopped" in output and "Application shutdown complete" in output
    assert secret not in output
    assert '"event": "request"' in output and '"request_id"' in output


def children(pid: int) -> set[int]:
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def wait_for_children(pid: int, count: int, besides: frozenset[int] = frozenset()) -> set[int]:
    deadline = time.monotonic() + PROCESS_DEADLINE
    while time.monotonic() < deadline:
        found = children(pid)
        if len(found) == count and not found & besides:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} worker processes, found {children(pid)}")


@pytest.mark.usefixtures("db")
def test_serve_runs_worker_processes_and_restarts_one_that_dies(
    tmp_path: Path, database_url: str, web: HostileServer
) -> None:
    env = migrated_env(tmp_path, database_url)
    headers = {"Authorization": f"Bearer {read_write_key(env)}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serve(env, port, "--worker-processes", "2")
    try:
        wait_until_up(base, server)
        first = wait_for_children(server.pid, 2)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        after = wait_for_children(server.pid, 2, besides=frozenset({victim}))
        assert len(after & first) == 1, "the other worker process kept running"
        # Told to stop (as Ctrl-C tells them) the moment it appears, so most likely while it
        # is still starting, before its signal handlers exist: it is not restarted either.
        (stopped,) = after - first
        os.kill(stopped, signal.SIGTERM)
        after = wait_for_children(server.pid, 1, besides=frozenset({stopped}))
        processed = ingest_through(base, headers, web.url("/help"))
        assert processed["linkedJobStatus"] == "COMPLETED", processed["error"]
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode in (0, -signal.SIGTERM)
    assert '"event": "worker stopped"' in output
    assert '"worker process exited; starting another"' in output
    assert '"worker process stopped"' in output
    for pid in after:
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        ), f"worker process {pid} outlived kbsmith serve"


def test_keys_list_for_an_unknown_workspace_fails_clearly(tmp_path: Path) -> None:
    env = cli_env(tmp_path, "sqlite")
    kbsmith(env, "migrate")
    result = kbsmith(env, "keys", "list", "--workspace", "nobody")
    assert result.returncode != 0
    assert "does not exist" in result.stderr + result.stdout
