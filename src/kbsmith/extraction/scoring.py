"""Word-level scoring of main-content extraction against WCXB reference pages.

WCXB, the Web Content eXtraction Benchmark (Murrough Foley, 2026, CC-BY-4.0): each page
has `html/NNNN.html.gz` and `ground-truth/NNNN.json` with `ground_truth.main_content`,
`with` snippets a good extraction contains and `without` boilerplate it must not.

Words are `\\w+` runs, lower-cased. Markup such as Markdown's `#`, `-`, `|` or `**` is not
a word on either side, so Markdown output is scored on its text alone, exactly like the
plain-text reference and plain-text extractors.
"""

import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from kbsmith.extraction.dispatch import extract
from kbsmith.extraction.result import ExtractionError

CREDIT = "WCXB, the Web Content eXtraction Benchmark (Murrough Foley, 2026, CC-BY-4.0)"
_WORD = re.compile(r"\w+")

Extractor = Callable[[bytes, str | None], str | None]
"""(html, url) -> extracted text, or None when the extractor rejects the page."""


@dataclass(frozen=True)
class Page:
    file_id: str
    kind: str
    url: str | None
    html_path: Path
    main_content: str
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]

    def html(self) -> bytes:
        return gzip.decompress(self.html_path.read_bytes())


@dataclass(frozen=True)
class PageScore:
    file_id: str
    kind: str
    precision: float
    recall: float
    f1: float
    scored: bool
    """False when the page has no reference main content (unannotated): left out of F1."""
    rejected: bool
    with_found: int
    with_total: int
    without_kept: int
    without_total: int
    cpu_seconds: float = 0.0
    """CPU time of the extractor on this page, in the process that ran it."""


@dataclass(frozen=True)
class Summary:
    pages: int
    scored: int
    f1: float
    precision: float
    recall: float
    with_found: int
    with_total: int
    without_kept: int
    without_total: int
    rejected: int
    cpu_seconds: float


def load_pages(data_dir: Path) -> list[Page]:
    pages = []
    for truth_path in sorted((data_dir / "ground-truth").glob("*.json")):
        record = json.loads(truth_path.read_text(encoding="utf-8"))
        truth = record["ground_truth"]
        pages.append(
            Page(
                file_id=truth_path.stem,
                kind=record["_internal"]["page_type"]["primary"],
                url=record.get("url") or None,
                html_path=data_dir / "html" / f"{truth_path.stem}.html.gz",
                main_content=truth.get("main_content") or "",
                with_snippets=tuple(truth.get("with") or ()),
                without_snippets=tuple(truth.get("without") or ()),
            )
        )
    return pages


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def word_prf(extracted: str, reference: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the multiset word overlap."""
    got, want = Counter(words(extracted)), Counter(words(reference))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def contains_snippet(text_words: str, snippet: str) -> bool:
    """Whether the snippet's word sequence occurs in `text_words` (words joined by spaces)."""
    needle = " ".join(words(snippet))
    return bool(needle) and f" {needle} " in f" {text_words} "


def score_page(page: Page, extracted: str | None, cpu_seconds: float = 0.0) -> PageScore:
    text = extracted or ""
    precision, recall, f1 = word_prf(text, page.main_content)
    text_words = " ".join(words(text))
    return PageScore(
        file_id=page.file_id,
        kind=page.kind,
        precision=precision,
        recall=recall,
        f1=f1,
        scored=bool(words(page.main_content)),
        rejected=extracted is None,
        with_found=sum(contains_snippet(text_words, s) for s in page.with_snippets),
        with_total=len(page.with_snippets),
        without_kept=sum(contains_snippet(text_words, s) for s in page.without_snippets),
        without_total=len(page.without_snippets),
        cpu_seconds=cpu_seconds,
    )


def summarise(scores: Iterable[PageScore]) -> Summary:
    scores = list(scores)
    scored = [s for s in scores if s.scored]
    count = max(len(scored), 1)
    return Summary(
        pages=len(scores),
        scored=len(scored),
        f1=sum(s.f1 for s in scored) / count,
        precision=sum(s.precision for s in scored) / count,
        recall=sum(s.recall for s in scored) / count,
        with_found=sum(s.with_found for s in scores),
        with_total=sum(s.with_total for s in scores),
        without_kept=sum(s.without_kept for s in scores),
        without_total=sum(s.without_total for s in scores),
        rejected=sum(s.rejected for s in scores),
        cpu_seconds=sum(s.cpu_seconds for s in scores),
    )


def summarise_by_kind(scores: list[PageScore]) -> dict[str, Summary]:
    """Per page kind, plus "overall"."""
    kinds = sorted({s.kind for s in scores})
    by_kind = {kind: summarise(s for s in scores if s.kind == kind) for kind in kinds}
    return {**by_kind, "overall": summarise(scores)}


def kbsmith_text(html: bytes, url: str | None) -> str | None:
    """kbsmith's extraction as scored: paragraphs joined with blank lines."""
    try:
        return "\n\n".join(extract(html, "text/html", url).paragraphs)
    except ExtractionError:
        return None


def trafilatura_text(html: bytes, _url: str | None) -> str | None:
    """Plain `trafilatura.extract` with its default arguments, the baseline."""
    result = trafilatura.extract(html)
    return str(result) if result else None


EXTRACTORS: dict[str, Extractor] = {"kbsmith": kbsmith_text, "trafilatura": trafilatura_text}


def held_out(pages: list[Page]) -> list[Page]:
    """Every third page in file order (the 3rd, 6th...): the extraction's thresholds were
    tuned on the other two thirds, so these show whether they generalise."""
    return pages[2::3]


def _score_all(job: tuple[int, Page]) -> dict[str, PageScore]:
    """Every extractor on one page, back to back in one process, each with its CPU time.
    The order turns with the page (`index`): the second to read a page runs measurably
    cheaper (warm caches and allocator), so neither extractor gets that edge every time."""
    index, page = job
    html = page.html()
    names = list(EXTRACTORS)
    turn = index % len(names)
    scores = {}
    for name in names[turn:] + names[:turn]:
        started = time.process_time()
        extracted = EXTRACTORS[name](html, page.url)
        scores[name] = score_page(page, extracted, time.process_time() - started)
    return scores


def run(pages: list[Page], workers: int = 2) -> dict[str, list[PageScore]]:
    """Score every one of `EXTRACTORS` over the pages, in `workers` processes."""
    jobs = list(enumerate(pages))
    if workers <= 1:
        per_page = [_score_all(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            per_page = list(pool.map(_score_all, jobs, chunksize=4))
    return {name: [scores[name] for scores in per_page] for name in EXTRACTORS}
