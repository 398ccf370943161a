"""Fetch + extract: the one code path shared by ingestion jobs and `kbsmith extract`."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from kbsmith import extraction
from kbsmith.extraction import Extracted
from kbsmith.extraction.isolated import IsolatedExtractor
from kbsmith.fetching import FetchResult, GuardedClient
from kbsmith.metrics.instruments import EXTRACTIONS


@dataclass(frozen=True)
class FetchedContent:
    fetched: FetchResult
    extracted: Extracted | None
    """None when there is nothing new to extract: the server answered 304 Not Modified, or
    the bytes are those the source's paragraphs came from (`body_fingerprint`)."""
    version: str = ""
    """The provider's version marker, for provider documents."""
    fingerprint: str = ""
    """`body_fingerprint` of the fetched body (empty after a 304)."""


@functools.cache
def extraction_code() -> tuple[str, ...]:
    """What extracts: trafilatura's version and a digest of kbsmith's extraction package, so
    that new extraction code extracts every page again once."""
    digest = hashlib.sha256()
    for path in sorted(Path(extraction.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return (f"trafilatura {version('trafilatura')}", digest.hexdigest())


def body_fingerprint(body: bytes, content_type: str | None, *context: str | None) -> str:
    """sha256 hex of everything extraction reads: the bytes, their content type and *context*
    (the URL, a provider's title), and the code that extracts (`extraction_code`). Equal
    fingerprints give equal extractions."""
    digest = hashlib.sha256()
    for part in (*extraction_code(), content_type, *context):
        digest.update((part or "").encode("utf-8", "surrogatepass") + b"\x00")
    digest.update(body)
    return digest.hexdigest()


async def extract_unless_known(
    extractor: IsolatedExtractor,
    body: bytes,
    content_type: str | None,
    url: str | None,
    known: str,
    *context: str | None,
) -> tuple[Extracted | None, str]:
    """The extraction of *body* and its fingerprint; no extraction (None) when the fingerprint
    is *known*: the bytes the source's paragraphs were extracted from, fetched again."""
    fingerprint = body_fingerprint(body, content_type, url, *context)
    if fingerprint == known:
        EXTRACTIONS.labels("skipped").inc()
        return None, fingerprint
    extracted = await extractor.extract(body, content_type, url)
    EXTRACTIONS.labels("extracted").inc()
    return extracted, fingerprint


async def fetch_and_extract(
    fetcher: GuardedClient,
    extractor: IsolatedExtractor,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    known_fingerprint: str = "",
) -> FetchedContent:
    """*known_fingerprint*: that of the bytes the source's current paragraphs came from (""
    when it has none): fetched again, they are not extracted again."""
    fetched = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    if fetched.not_modified:
        return FetchedContent(fetched, None)
    extracted, fingerprint = await extract_unless_known(
        extractor, fetched.body, _content_type(fetched), fetched.url, known_fingerprint
    )
    return FetchedContent(fetched, extracted, fingerprint=fingerprint)


def _content_type(fetched: FetchResult) -> str | None:
    return fetched.headers.get("content-type") or fetched.content_type or None
