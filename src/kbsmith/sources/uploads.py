"""Uploaded files as sources (`source: "files"`), for the upload route and `kbsmith ingest PATH`.

Every file is checked, sniffed and packed before the writing transaction (CPU-bound work must
not hold SQLite's one write lock); the transaction then validates the rest of the request and
creates (or replaces) the sources, keeps their bytes and queues their ingestion jobs, which
extract the kept bytes like a fetched page's (`stored_files.py`). A refusal writes nothing.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.errors import FIELD, InvalidInput, TooLarge
from kbsmith.extraction import mime
from kbsmith.providers import Provider
from kbsmith.sources import blobs
from kbsmith.sources.models import Source
from kbsmith.sources.service import IngestOutcome, apply_flags, queue_ingestion, sources_by_ids

MAX_NAME_CHARS = 255
UNNAMED = "unnamed file"
_PATH_SEPARATORS = re.compile(r"[/\\]")


@dataclass(frozen=True)
class UploadedFile:
    name: str
    """As the client (or the file system) gave it; directories are dropped."""
    body: bytes


@dataclass(frozen=True)
class PreparedFile:
    name: str
    mime_type: str
    packed: blobs.Packed


@dataclass(frozen=True)
class UploadOptions:
    english: bool | None = None
    baser: bool | None = None
    replace_id: uuid.UUID | None = None
    """A `files` source whose content the one file replaces."""


def prepare(files: Sequence[UploadedFile], max_bytes: int) -> list[PreparedFile]:
    """Check every file's size, then sniff and pack each. CPU-bound: `prepare_in_thread`."""
    if not files:
        raise InvalidInput("file: at least one file is required")
    for given in files:
        if len(given.body) > max_bytes:
            raise TooLarge(
                f"file {clean_name(given.name)!r} is larger than {max_bytes} bytes "
                "(KBSMITH_UPLOAD_MAX_BYTES)"
            )
    return [_prepared(given) for given in files]


async def prepare_in_thread(files: Sequence[UploadedFile], max_bytes: int) -> list[PreparedFile]:
    return await asyncio.to_thread(prepare, files, max_bytes)


def _prepared(given: UploadedFile) -> PreparedFile:
    name = clean_name(given.name)
    return PreparedFile(name, mime.sniff_file(given.body, name), blobs.pack(given.body))


def clean_name(raw: str) -> str:
    """The file's own name: no directories, no control characters, bounded."""
    base = _PATH_SEPARATORS.split(raw)[-1]
    printable = "".join(char if char.isprintable() else " " for char in base)
    return " ".join(printable.split())[:MAX_NAME_CHARS] or UNNAMED


async def add_files(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    files: Sequence[PreparedFile],
    options: UploadOptions,
) -> IngestOutcome:
    """New `files` sources (or the one replaced), their bytes kept and their jobs queued."""
    if options.replace_id is not None:
        source = await _replaceable(session, workspace_id, options.replace_id, len(files))
        _describe(source, files[0])
        apply_flags(source, options.english, options.baser)
        sources = [source]
    else:
        sources = [_new_source(workspace_id, prepared, options) for prepared in files]
        session.add_all(sources)
        await session.flush()  # the bytes' rows refer to them
    for source, prepared in zip(sources, files, strict=True):
        await blobs.keep_raw(session, source.id, prepared.packed, prepared.mime_type)
    await queue_ingestion(session, workspace_id, sources)
    ids = [source.id for source in sources]
    if options.replace_id is not None:
        return IngestOutcome(added=[], updated=ids)
    return IngestOutcome(added=ids, updated=[])


async def _replaceable(
    session: AsyncSession, workspace_id: uuid.UUID, source_id: uuid.UUID, file_count: int
) -> Source:
    if file_count != 1:
        raise InvalidInput(
            f"{FIELD} replaces one document: give one file, not {file_count}", "document_id"
        )
    (source,) = await sources_by_ids(session, workspace_id, [source_id], "document_id")
    if source.provider != Provider.FILES:
        raise InvalidInput(
            f"{FIELD} {source_id} is a {source.provider} document; "
            "an upload replaces only files documents",
            "document_id",
        )
    return source


def _new_source(workspace_id: uuid.UUID, prepared: PreparedFile, options: UploadOptions) -> Source:
    source_id = uuid.uuid4()
    source = Source(
        id=source_id,
        workspace_id=workspace_id,
        provider=Provider.FILES.value,
        identity=str(source_id),
        title=prepared.name,  # until the job reads the document's own
        english=True if options.english is None else options.english,
        baser=bool(options.baser),
    )
    _describe(source, prepared)
    return source


def _describe(source: Source, prepared: PreparedFile) -> None:
    """What the kept bytes are: the file's name, its sniffed type and where they are served."""
    source.external_id = prepared.name
    source.mime_type = prepared.mime_type
    source.storage_url = blobs.storage_url(source.id)
