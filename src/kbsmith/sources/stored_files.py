"""The ingestion job's part for uploaded files: no fetch, the stored bytes are extracted
exactly as a fetched web page's are."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.extraction import Extracted, ExtractionError, content_hash
from kbsmith.extraction.isolated import IsolatedExtractor
from kbsmith.jobs.errors import PermanentJobError
from kbsmith.sources import blobs
from kbsmith.sources.models import Source


@dataclass(frozen=True)
class StoredFile:
    name: str
    mime_type: str
    """Sniffed from the bytes at upload."""
    packed: blobs.Packed


async def load_stored_file(session: AsyncSession, source: Source) -> StoredFile:
    packed = await blobs.load_packed(session, source.id)
    if packed is None:
        raise PermanentJobError(f"{source.external_id}: the uploaded bytes are missing")
    return StoredFile(name=source.external_id, mime_type=source.mime_type, packed=packed)


async def extract_stored_file(
    stored: StoredFile, extractor: IsolatedExtractor
) -> tuple[Extracted, str]:
    """Title (else the file name), paragraphs and their content hash, extracted in a bounded
    child process. A file that cannot be read fails the job with an error that names it."""
    try:
        body = await asyncio.to_thread(blobs.unpack, stored.packed)
        if not body:
            raise ExtractionError("the file is empty")
        extracted = await extractor.extract(body, stored.mime_type, None)
    except ExtractionError as error:
        raise PermanentJobError(f"{stored.name}: {error}") from None
    extracted = replace(extracted, title=extracted.title or stored.name)
    return extracted, await asyncio.to_thread(content_hash, extracted.paragraphs)
