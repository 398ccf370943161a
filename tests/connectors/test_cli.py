"""`kbsmith connect` checks credentials with the provider and stores them sealed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.connectors.fakes.notion import TOKEN, FakeNotion
from tests.support.processes import run_kbsmith

pytestmark = pytest.mark.slow  # starts real kbsmith processes


run = run_kbsmith


def test_connect_checks_and_seals_credentials(tmp_path: Path, notion: FakeNotion) -> None:
    wrong = run(
        tmp_path,
        "connect",
        "notion",
        "--workspace",
        "acme",
        "--field",
        "token=secret_wrong",
        "--field",
        f"baseUrl={notion.url}",
    )
    assert wrong.returncode == 1 and "refused the credentials" in wrong.stderr

    body = tmp_path / "notion.json"
    body.write_text(json.dumps({"token": TOKEN}))
    connected = run(
        tmp_path,
        "connect",
        "notion",
        "--workspace",
        "acme",
        "--json",
        str(body),
        "--field",
        f"baseUrl={notion.url}",
    )
    assert connected.returncode == 0, connected.stderr
    assert (
        "connected notion" in connected.stderr and TOKEN not in connected.stderr + connected.stdout
    )
    stored = (tmp_path / "data" / "kbsmith.db").read_bytes()
    assert TOKEN.encode() not in stored

    malformed = run(tmp_path, "connect", "notion", "--workspace", "acme", "--field", "token")
    assert malformed.returncode == 1 and "KEY=VALUE" in malformed.stderr
