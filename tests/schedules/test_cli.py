"""`kbsmith schedule add|list|run|remove` on the embedded default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.processes import run_kbsmith


@pytest.mark.slow
def test_add_list_run_and_remove_a_schedule(tmp_path: Path) -> None:
    added = run_kbsmith(
        tmp_path, "schedule", "add", "--workspace", "acme", "--name", "site",
        "--source", "web", "--every", "PT30M", "--generate",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    schedule_id = added.stdout.strip()

    listed = run_kbsmith(tmp_path, "schedule", "list", "--workspace", "acme", "--json")
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (row["id"], row["name"], row["scope"], row["every"]) == (
        schedule_id,
        "site",
        "web",
        "PT30M",
    )
    assert row["next"]

    ran = run_kbsmith(tmp_path, "schedule", "run", "site", "--workspace", "acme")
    assert ran.returncode == 0, ran.stderr
    assert "queued run" in ran.stderr

    too_often = run_kbsmith(
        tmp_path, "schedule", "add", "--workspace", "acme", "--name", "x",
        "--source", "web", "--every", "PT1M",
    )  # fmt: skip
    assert too_often.returncode == 1
    assert "every must be at least 300 seconds" in too_often.stderr

    removed = run_kbsmith(tmp_path, "schedule", "remove", schedule_id, "--workspace", "acme")
    assert removed.returncode == 0, removed.stderr
    listed = run_kbsmith(tmp_path, "schedule", "list", "--workspace", "acme", "--json")
    assert listed.stdout.strip() == ""
