"""`kbsmith extract` and `kbsmith ingest` (pages and local files) as a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from kbsmith.db.database import Database
from kbsmith.sources.models import Source
from tests.extraction.bombs import pdf_with_heavy_streams
from tests.extraction.builders import pdf_with_lines
from tests.sources.test_ingestion import ARTICLE
from tests.support.hostile_server import HostileServer, Page
from tests.support.processes import run_kbsmith

pytestmark = pytest.mark.slow  # starts real kbsmith processes


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

    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nSome text about the notes.\n")
    as_markdown = run(tmp_path, "extract", str(notes), "--format", "markdown")
    assert as_markdown.stdout.count("# Notes") == 1, as_markdown.stdout  # its heading once

    site.pages["/cli/reset"] = Page(ARTICLE)
    fetched = run(tmp_path, "extract", site.url("/cli/reset"), "--format", "json")
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout)["paragraphs"] == extracted["paragraphs"]

    refused = run(tmp_path, "extract", site.url("/to-metadata"))
    assert refused.returncode == 1 and "blocked address 169.254.169.254" in refused.stderr

    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(pdf_with_heavy_streams(20, 5_000_000))
    over = run(tmp_path, "extract", str(bomb))
    assert over.returncode == 1 and "extraction limit pdf_content_bytes" in over.stderr


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
    assert result.returncode == (0 if crawl else 1), result.stderr  # 1: a job failed
    assert "ingesting" in result.stderr
    if crawl:  # the crawl fetched /cli/missing and found it gone: it is not queued
        assert "queued 2 sources" in result.stderr and "/cli/missing" not in result.stderr
    else:  # a page the user named is queued, and its job says why it failed
        assert "/status/404: HTTP 404 Not Found" in result.stderr
    assert " completed" in result.stderr and "0 completed" not in result.stderr


def _database(tmp_path: Path) -> Database:
    """The embedded database `run` gave kbsmith."""
    return Database(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'kbsmith.db'}")


async def _sources(tmp_path: Path) -> list[Source]:
    db = _database(tmp_path)
    try:
        async with db.read() as session:
            return list((await session.execute(select(Source).order_by(Source.title))).scalars())
    finally:
        await db.dispose()


async def test_ingest_takes_local_files_beside_urls(tmp_path: Path, site: HostileServer) -> None:
    guide = tmp_path / "guide.md"
    guide.write_bytes(b"# Billing FAQ\n\nInvoices are sent on the first day of every month.\n")
    policy = tmp_path / "policy.pdf"
    policy.write_bytes(pdf_with_lines([["Trips are refunded in thirty days."]], title="Travel"))
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    site.pages["/cli/beside-files"] = Page(ARTICLE)
    targets = [str(guide), str(policy), str(broken), site.url("/cli/beside-files")]
    result = run(tmp_path, "ingest", *targets, "--workspace", "acme", "--wait")
    assert result.returncode == 1, result.stderr  # the broken file's job failed
    said = " ".join(result.stderr.split())
    assert "queued 4 sources (4 new, 0 already known)" in said
    assert "3 completed, 1 failed" in said
    assert "broken.docx: unsupported content type application/zip" in said

    sources = await _sources(tmp_path)
    described = [(s.provider, s.title, s.mime_type, s.success) for s in sources]
    assert described == [
        ("files", "Billing FAQ", "text/markdown", True),
        ("web", "Reset your password", "text/html", True),
        ("files", "Travel", "application/pdf", True),
        ("files", "broken.docx", "application/zip", False),
    ]
    assert any("thirty days" in p for p in sources[2].paragraphs)


async def test_ingest_refuses_a_value_that_is_neither_url_nor_file(tmp_path: Path) -> None:
    present = tmp_path / "present.txt"
    present.write_text("Parcels are kept for two weeks.")
    result = run(tmp_path, "ingest", str(present), "missing-guide.pdf", "--workspace", "acme")
    assert result.returncode == 1
    said = " ".join(result.stderr.split())
    assert "'missing-guide.pdf' is neither an absolute http(s) URL nor an existing file" in said
    assert await _sources(tmp_path) == []
