"""The served OpenAPI document tells the truth: schemathesis fuzzes every operation of a real
`kbsmith serve` (SQLite and PostgreSQL) and fails on any 5xx or any answer the document does
not describe.

Checks: all of schemathesis's (`--checks all`: no server error, status codes, content types,
headers and bodies that match the schema, schema-invalid requests refused, 405s with a full
Allow header, ...) except `positive_data_acceptance`, which expects every schema-valid request
to succeed: kbsmith refuses with a 400 what no JSON schema can say, and that check flags each
such rule (ids that must exist in the workspace — "documentIds contains unknown ids", an
unknown cursor —, text that is only whitespace, "documentIdsToAdd or documentIdsToRefresh", a
provider that is not connected, the CSV's header line, NUL in text). Bounded to 3 examples
per operation (with a fixed seed) so that each database's run stays well under two minutes on
a loaded machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import (
    free_port,
    migrated_env,
    read_write_key,
    start_serve,
    wait_until_up,
)
from tests.support.processes import REPO_ROOT

pytestmark = [
    pytest.mark.slow,  # starts a real kbsmith serve
    pytest.mark.timeout(900),  # about a minute alone; several under the whole suite's load
]

EXAMPLES_PER_OPERATION = 3
EXCLUDED_CHECKS = "positive_data_acceptance"


@pytest.mark.usefixtures("db")
def test_the_served_openapi_matches_the_server(tmp_path: Path, database_url: str) -> None:
    env = migrated_env(tmp_path, database_url) | {"KBSMITH_LOG_LEVEL": "WARNING"}
    key = read_write_key(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serve(env, port, "--workers", "0", "--worker-processes", "0")
    try:
        wait_until_up(base, server)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--exclude-checks",
                EXCLUDED_CHECKS,
                "--header",
                f"Authorization: Bearer {key}",
                "--max-examples",
                str(EXAMPLES_PER_OPERATION),
                "--seed",
                "1",
                "--generation-database",
                "none",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=840,
            check=False,
            cwd=REPO_ROOT,
        )
    finally:
        server.terminate()
        server.communicate(timeout=60)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
