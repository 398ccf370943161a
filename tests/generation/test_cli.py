"""`kbsmith generate --all-changed --live --wait` as a person runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.generation.support import page
from tests.generation.test_workflow import RESET
from tests.support.hostile_server import HostileServer, Page
from tests.support.processes import run_kbsmith

pytestmark = pytest.mark.slow  # starts real kbsmith processes


run = run_kbsmith


def test_generate_all_changed_with_progress_and_summary(
    tmp_path: Path, site: HostileServer
) -> None:
    site.pages["/cli-gen/reset"] = Page(page("Reset your password", *RESET))
    site.pages["/cli-gen/plans"] = Page(
        page(
            "Change your plan",
            "Open Billing and choose Change plan.",
            "The new price applies from your next invoice.",
        )
    )
    ingested = run(
        tmp_path,
        "ingest",
        site.url("/cli-gen/reset"),
        site.url("/cli-gen/plans"),
        "--workspace",
        "acme",
        "--wait",
    )
    assert ingested.returncode == 0, ingested.stderr

    first = run(tmp_path, "generate", "--workspace", "acme", "--all-changed", "--live", "--wait")
    assert first.returncode == 0, first.stderr
    assert "generating" in first.stderr and "2 ADD_ARTICLE_TO_FOLDER" in first.stderr

    again = run(tmp_path, "generate", "--workspace", "acme", "--all-changed", "--wait")
    assert again.returncode == 0 and "nothing to generate" in again.stderr

    refused = run(tmp_path, "generate", "--workspace", "acme")
    assert refused.returncode == 2 and "--all-changed" in refused.stderr
