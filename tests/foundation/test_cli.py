"""The command line as a person uses it: real processes, the embedded default or PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import REPO_ROOT

KBSMITH = [sys.executable, "-m", "kbsmith"]


def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(KBSMITH_DATA_DIR=str(tmp_path / "data"), KBSMITH_LOG_FORMAT="json")
    if not database_url.startswith("sqlite"):
        env["KBSMITH_DATABASE_URL"] = database_url
    return env


def kbsmith(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KBSMITH, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO_ROOT,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "kbsmith serve exited early"
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


@pytest.mark.usefixtures("db")
def test_keys_create_list_revoke_and_serve(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url)
    if "KBSMITH_DATABASE_URL" in env:
        assert kbsmith(env, "migrate").returncode == 0

    created = kbsmith(
        env, "keys", "create", "--workspace", "acme", "--scope", "read", "--name", "ci"
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("kbs_")

    listed = kbsmith(env, "keys", "list", "--workspace", "acme", "--json")
    assert listed.returncode == 0, listed.stderr
    (key,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert key["name"] == "ci" and key["scopes"] == "read" and key["state"] == "active"
    assert secret not in listed.stdout and secret.startswith(key["key"].rstrip("…"))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*KBSMITH, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        wait_until_up(base, server)
        auth = {"Authorization": f"Bearer {secret}"}
        assert httpx.get(f"{base}/v2/bots/public", headers=auth).status_code == 200
        assert (
            httpx.post(f"{base}/v2/bots/public", headers=auth, json={"name": "x"}).status_code
            == 403
        )
        assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}

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


def test_keys_list_for_an_unknown_workspace_fails_clearly(tmp_path: Path) -> None:
    env = cli_env(tmp_path, "sqlite")
    kbsmith(env, "migrate")
    result = kbsmith(env, "keys", "list", "--workspace", "nobody")
    assert result.returncode != 0
    assert "does not exist" in result.stderr + result.stdout
