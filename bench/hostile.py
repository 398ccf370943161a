"""Hostile documents and pages against the extraction budgets: what each costs the worker.

    .venv/bin/python bench/hostile.py [--case NAME ...]

Each case is extracted as an ingestion job extracts it (`IsolatedExtractor` with the default
settings' budgets: KBSMITH_EXTRACT_CPU_SECONDS, _WALL_SECONDS, _MEMORY_MB), in a fresh child
process whose resident memory and CPU time are sampled from /proc every 10 ms. Printed per case:
the outcome (the limit named by the error, or "completed"), wall time, the child's CPU seconds,
its peak resident memory above its idle size, and the worker process's own growth. Targets: every
hostile case fails with a named limit within 2x its time budget (the CPU budget), and no peak
is 512 MiB or more above idle.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the document builders of tests/

from tests.extraction.bombs import (
    docx_with_huge_xml,
    pdf_with_heavy_streams,
    pdf_with_pages,
)

from kbsmith.extraction import ExtractionError
from kbsmith.extraction.isolated import IsolatedExtractor
from kbsmith.extraction.limits import ProcessBudget
from kbsmith.settings import Settings

MIB = 1024 * 1024
TICKS = os.sysconf("SC_CLK_TCK")


def nested_divs(depth: int) -> bytes:
    return b"<html><body>" + b"<div>" * depth + b"deep" + b"</div>" * depth + b"</body></html>"


def many_elements(count: int) -> bytes:
    cell = b"<span>w</span>"
    return b"<html><body><article><p>" + cell * count + b"</p></article></body></html>"


def long_text(chars: int) -> bytes:
    return (b"All work and no play makes a dull page. " * (chars // 40 + 1))[:chars]


def junk(size: int) -> bytes:
    return bytes((n * 7919 + n // 3 * 104729) % 256 for n in range(size))


def page_with(paragraph: str) -> bytes:
    body = f"<p>{paragraph}</p>" * 8
    head = "<html><head><title>Page</title></head>"
    return f"{head}<body><article>{body}</article></body></html>".encode()


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    content_type: str | None
    expected: str
    """The limit its error must name, or "completed"."""


CASES = [
    Case(
        "docx: document.xml unpacks to 190 MB",
        lambda: docx_with_huge_xml(190_000_000),
        None,
        "docx_xml_bytes",
    ),
    Case(
        "docx: 31 MB of XML (under its limit)",
        lambda: docx_with_huge_xml(31_000_000),
        None,
        "cpu_seconds",  # python-docx parses 31 MB in under 384 MiB, then runs out of time
    ),
    Case(
        "pdf: 20 pages of 5 MB streams",
        lambda: pdf_with_heavy_streams(20, 5_000_000),
        None,
        "pdf_content_bytes",
    ),
    Case(
        "pdf: 30 MB of content (under its limit)",
        lambda: pdf_with_heavy_streams(30, 1_000_000),
        None,
        "cpu_seconds",
    ),
    Case("pdf: 5,000 pages", lambda: pdf_with_pages(5_000), None, "pdf_pages"),
    Case(
        "html: 5 MB of text", lambda: page_with("word " * 1_000_000), "text/html", "extracted_chars"
    ),
    Case(
        "html: 100,000 nested divs",
        lambda: nested_divs(100_000),
        "text/html",
        "no text could be extracted",
    ),
    Case("html: 1,000,000 elements", lambda: many_elements(1_000_000), "text/html", "completed"),
    Case(
        "text: 4,000,000 characters", lambda: long_text(4_000_000), "text/plain", "extracted_chars"
    ),
    Case(
        "junk declared utf-16",
        lambda: junk(50_000),
        "text/html; charset=utf-16",
        "undecodable_chars",
    ),
    Case(
        "page with NUL and controls",
        lambda: page_with("Words\x00 and\x01 more words " * 5),
        "text/html",
        "completed",
    ),
]


@dataclass
class Sample:
    peak_rss: int = 0
    cpu: float = 0.0


def rss_and_cpu(pid: int) -> tuple[int, float] | None:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            rss = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return rss, (int(fields[11]) + int(fields[12])) / TICKS


async def watch(pid: int, sample: Sample, stop: asyncio.Event) -> None:
    while not stop.is_set():
        if (now := rss_and_cpu(pid)) is None:
            return
        sample.peak_rss = max(sample.peak_rss, now[0])
        sample.cpu = now[1]
        await asyncio.sleep(0.01)


@dataclass(frozen=True)
class Row:
    case: Case
    size: int
    outcome: str
    wall: float
    cpu: float
    peak_above_idle: float
    worker_growth: float

    def met(self, budget: ProcessBudget) -> bool:
        return (
            self.outcome == self.case.expected
            and self.wall <= 2 * budget.cpu_seconds
            and self.peak_above_idle < 512
        )


async def run_case(case: Case, budget: ProcessBudget) -> Row:
    body = case.build()
    extractor = IsolatedExtractor(budget, processes=1)
    try:
        await extractor.extract(
            page_with("A warm-up page with enough words to count."), "text/html", None
        )
        (pid,) = extractor.pids
        idle_rss, idle_cpu = rss_and_cpu(pid) or (0, 0.0)
        worker_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        sample, stop = Sample(idle_rss, idle_cpu), asyncio.Event()
        watcher = asyncio.create_task(watch(pid, sample, stop))
        started = time.perf_counter()
        try:
            await extractor.extract(body, case.content_type, None)
            outcome = "completed"
        except ExtractionError as error:
            text = str(error)
            outcome = (
                text.split("extraction limit ", 1)[1].split()[0]
                if "extraction limit " in text
                else text
            )
        wall = time.perf_counter() - started
        stop.set()
        await watcher
    finally:
        await extractor.aclose()
    worker_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - worker_before
    return Row(
        case,
        len(body),
        outcome,
        wall,
        sample.cpu - idle_cpu,
        (sample.peak_rss - idle_rss) / MIB,
        max(0, worker_growth) / MIB,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--case", action="append", help="run only cases whose name holds this")
    args = parser.parse_args()
    settings = Settings()
    budget = ProcessBudget(
        cpu_seconds=settings.extract_cpu_seconds,
        wall_seconds=settings.extract_wall_seconds,
        memory_bytes=settings.extract_memory_mb * MIB,
    )
    print(
        f"budgets: {budget.cpu_seconds:g} s CPU, killed after {budget.wall_seconds:g} s, "
        f"{budget.memory_bytes // MIB} MiB above the idle child; targets: a named limit within "
        f"{2 * budget.cpu_seconds:g} s, peak < 512 MiB above idle"
    )
    header = (
        f"{'case':42} {'on disk':>9} {'outcome':18} {'wall s':>7} {'cpu s':>6} "
        f"{'peak MiB':>9} {'worker MiB':>10}"
    )
    print(header)
    print("-" * len(header))
    failures = 0
    for case in CASES:
        if args.case and not any(part in case.name for part in args.case):
            continue
        row = asyncio.run(run_case(case, budget))
        met = row.met(budget)
        failures += 0 if met else 1
        print(
            f"{case.name:42} {row.size // 1024:>7}KB {row.outcome:18} {row.wall:>7.1f} "
            f"{row.cpu:>6.1f} {row.peak_above_idle:>9.0f} {row.worker_growth:>10.1f}"
            + ("" if met else f"  <-- MISSED (expected {case.expected})")
        )
    print(f"{failures} case(s) missed their target")


if __name__ == "__main__":
    main()
