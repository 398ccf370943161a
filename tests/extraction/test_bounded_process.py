"""Extraction in a bounded child process: every hostile document fails with the limit it
broke, the child is reused for normal documents and replaced after one that broke it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest

from kbsmith.extraction import ExtractionError
from kbsmith.extraction.isolated import IsolatedExtractor
from kbsmith.extraction.limits import ProcessBudget
from tests.extraction.bombs import docx_with_huge_xml, pdf_with_heavy_streams, pdf_with_pages
from tests.extraction.builders import docx_guide
from tests.support.waiting import eventually

PAGE = (
    b"<html><head><title>Opening hours</title></head><body><article><h1>Opening hours</h1>"
    b"<p>The office is open from nine to five on working days, and closed on holidays.</p>"
    b"<p>Parcels left at the front desk are kept for two weeks before they go back.</p>"
    b"</article></body></html>"
)
SMALL = ProcessBudget(cpu_seconds=1, wall_seconds=60, memory_bytes=64 * 1024 * 1024)
"""Budgets small enough for a test to reach each in seconds on a loaded machine."""
HEAVY_PDF = pdf_with_heavy_streams(6, 1_000_000)
"""6 MB of page content: about 6 s of CPU to extract, under the content limit."""

CASES = [
    # name, document, budget, the limit its error must name
    ("docx whose XML unpacks to 100 MB", docx_with_huge_xml(100_000_000), SMALL, "docx_xml_bytes"),
    ("docx whose XML parses past memory", docx_with_huge_xml(25_000_000), SMALL, "memory_bytes"),
    ("pdf of 501 pages", pdf_with_pages(501), SMALL, "pdf_pages"),
    (
        "pdf of 20 pages of 5 MB streams",
        pdf_with_heavy_streams(20, 5_000_000),
        SMALL,
        "pdf_content_bytes",
    ),
    ("pdf heavy within its content limit", HEAVY_PDF, SMALL, "cpu_seconds"),
    (
        "pdf heavy, killed at its deadline",
        HEAVY_PDF,
        ProcessBudget(cpu_seconds=60, wall_seconds=0.5),
        "wall_seconds",
    ),
    ("text of 4 million characters", b"word " * 800_000, SMALL, "extracted_chars"),
]


@pytest.fixture
async def extractor() -> AsyncIterator[IsolatedExtractor]:
    isolated = IsolatedExtractor(SMALL, processes=1)
    yield isolated
    await isolated.aclose()


def gone(pid: int) -> bool:
    """Whether *pid* no longer runs (reaped, or a zombie awaiting its parent)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.parametrize(
    ("document", "budget", "limit"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_a_hostile_document_fails_naming_its_limit(
    document: bytes, budget: ProcessBudget, limit: str
) -> None:
    small_on_disk = 400_000
    assert len(document) < small_on_disk or limit == "extracted_chars"
    isolated = IsolatedExtractor(budget, processes=1)
    try:
        started = time.monotonic()
        with pytest.raises(ExtractionError, match=f"extraction limit {limit} "):
            await isolated.extract(document, None, None)
        assert time.monotonic() - started < 60
        assert (await isolated.extract(PAGE, "text/html", None)).title == "Opening hours"
    finally:
        await isolated.aclose()


async def test_one_child_serves_document_after_document(extractor: IsolatedExtractor) -> None:
    first = await extractor.extract(PAGE, "text/html", None)
    (pid,) = extractor.pids
    second = await extractor.extract(docx_guide(), None, None)
    with pytest.raises(ExtractionError, match="could not be read"):
        await extractor.extract(b"%PDF-1.4\nno PDF at all", None, None)
    assert first.title == "Opening hours" and second.title == "Setup guide"
    assert extractor.pids == [pid]


async def test_a_child_over_its_budget_is_killed_and_replaced(
    extractor: IsolatedExtractor,
) -> None:
    await extractor.extract(PAGE, "text/html", None)
    (first,) = extractor.pids
    with pytest.raises(ExtractionError, match="cpu_seconds"):
        await extractor.extract(HEAVY_PDF, None, None)
    assert gone(first) and extractor.pids == []
    await extractor.extract(PAGE, "text/html", None)
    assert extractor.pids != [first]


async def test_a_cancelled_extraction_kills_its_child(extractor: IsolatedExtractor) -> None:
    await extractor.extract(PAGE, "text/html", None)
    (pid,) = extractor.pids
    idle = await _cpu_seconds(pid)
    task = asyncio.create_task(extractor.extract(HEAVY_PDF, None, None))
    await eventually(lambda: _cpu_seconds(pid), lambda used: used > idle + 0.2, 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gone(pid)


async def test_closing_ends_the_idle_children(extractor: IsolatedExtractor) -> None:
    await extractor.extract(PAGE, "text/html", None)
    (pid,) = extractor.pids
    await extractor.aclose()
    assert gone(pid) and extractor.pids == []


async def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
