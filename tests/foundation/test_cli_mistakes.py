"""A person's mistakes at the command line get one line saying what is wrong and an exit status
that says it too, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import cli_env, kbsmith

pytestmark = pytest.mark.slow  # starts real kbsmith processes

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


@pytest.mark.parametrize(
    ("environment", "args", "status", "said"),
    [
        # a fresh data directory: its schema is made, whatever the command
        ({}, ["keys", "list", "--workspace", "acme"], 1, "does not exist"),
        ({}, ["status"], 0, "using"),
        # settings that cannot be
        ({"KBSMITH_RATE_LIMIT": "abc"}, ["status"], 2, "KBSMITH_RATE_LIMIT"),
        ({"KBSMITH_LOG_LEVEL": "LOUD"}, ["status"], 2, "KBSMITH_LOG_LEVEL"),
        (
            {"KBSMITH_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"},
            ["keys", "list", "--workspace", "acme"],
            1,
            "cannot be used",
        ),
        ({}, ["ask", "--workspace", "acme", "  "], 2, "empty"),
        ({}, ["serve", "--port", "99999"], 2, "--port"),
        ({}, ["connect", "notion", "--workspace", "acme", "--json", "/no/such.json"], 1, "--json"),
        (
            {},
            [
                *("schedule", "add", "--workspace", "acme", "--name", "x", "--every", "PT1H"),
                *("--source", "web", "--live"),
            ],
            2,
            "--generate",
        ),
        ({}, ["keys", "create", "--workspace", "  ", "--scope", "read"], 1, "not blank"),
        ({}, ["ingest", "picture.png", "--workspace", "acme", "--wait"], 1, "1 failed"),
    ],
)
def test_a_mistake_is_one_line_and_an_exit_status(
    tmp_path: Path, environment: dict[str, str], args: list[str], status: int, said: str
) -> None:
    (tmp_path / "picture.png").write_bytes(PNG)
    result = kbsmith(cli_env(tmp_path, "sqlite") | environment, *args, cwd=tmp_path)
    assert result.returncode == status, (result.stdout, result.stderr)
    assert said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
