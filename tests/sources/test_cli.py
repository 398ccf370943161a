"""`kbsmith extract` and `kbsmith ingest --wait` as a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sources.test_ingestion import ARTICLE
from tests.support.hostile_server import HostileServer, Page
from tests.support.processes import run_kbsmith

run = run_kbsmith


def test_extract_prints_what_ingestion_would_store(tmp_path: Path, site: HostileServer) -> None:
    page = tmp_path / "reset.html"
    page.write_bytes(ARTICLE)
    as_json = run(tmp_path, "extract", str(page), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    extracted = json.loads(as_json.stdout)
    assert extracted["title"] == "Reset your password" and extracted["mimeType"] == "text/html"

    as_text = run(tmp_path, "extract", str(page))
    assert as_text.stdout.strip() == "\n\n".join(extracted["paragraphs"])

    site.pages["/cli/reset"] = Page(ARTICLE)
    fetched = run(tmp_path, "extract", site.url("/cli/reset"), "--format", "json")
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout)["paragraphs"] == extracted["paragraphs"]

    refused = run(tmp_path, "extract", site.url("/to-metadata"))
    assert refused.returncode == 1 and "blocked address 169.254.169.254" in refused.stderr


@pytest.mark.parametrize("crawl", [False, True], ids=["urls", "crawl"])
def test_ingest_wait_shows_progress_and_a_summary(
    tmp_path: Path, site: HostileServer, crawl: bool
) -> None:
    site.pages["/cli/index"] = Page(
        b'<html><body><a href="/cli/guide">Guide</a>'
        b' <a href="/cli/missing">Missing</a></body></html>'
    )
    site.pages["/cli/guide"] = Page(ARTICLE)
    urls = [site.url("/cli/index")] if crawl else [site.url("/cli/guide"), site.url("/status/404")]
    args = ["ingest", *urls, "--workspace", "acme", "--wait"] + (
        ["--crawl", "--limit", "10"] if crawl else []
    )
    result = run(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert "ingesting" in result.stderr
    if crawl:  # the crawl fetched /cli/missing and found it gone: it is not queued
        assert "queued 2 sources" in result.stderr and "/cli/missing" not in result.stderr
    else:  # a page the user named is queued, and its job says why it failed
        assert "/status/404: HTTP 404 Not Found" in result.stderr
    assert " completed" in result.stderr and "0 completed" not in result.stderr
