"""Raw fetched bytes, kept zlib-compressed in the database (shared by every machine)."""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.sources.models import SourceBlob

COMPRESSION_LEVEL = 6


def storage_url(source_id: uuid.UUID) -> str:
    return f"/v2/documents/public/{source_id}/raw"


@dataclass(frozen=True)
class Packed:
    """Raw bytes compressed for keeping: `pack` them before the writing transaction."""

    data: bytes
    size: int


def pack(body: bytes) -> Packed:
    """CPU-bound (zlib releases the GIL): call it in a worker thread, outside any transaction."""
    return Packed(zlib.compress(body, COMPRESSION_LEVEL), len(body))


async def keep_raw(
    session: AsyncSession, source_id: uuid.UUID, body: bytes | Packed, content_type: str
) -> None:
    packed = body if isinstance(body, Packed) else pack(body)
    blob = await session.get(SourceBlob, source_id)
    if blob is None:
        blob = SourceBlob(source_id=source_id)
        session.add(blob)
    blob.data = packed.data
    blob.size = packed.size
    blob.content_type = content_type
    blob.encoding = "zlib"
    blob.fetched_at = utcnow()


async def load_packed(session: AsyncSession, source_id: uuid.UUID) -> Packed | None:
    """The kept bytes still compressed: `unpack` them outside the transaction."""
    blob = await session.get(SourceBlob, source_id)
    return None if blob is None else Packed(blob.data, blob.size)


def unpack(packed: Packed) -> bytes:
    return zlib.decompress(packed.data)


async def load_raw(session: AsyncSession, source_id: uuid.UUID) -> tuple[bytes, str] | None:
    blob = await session.get(SourceBlob, source_id)
    if blob is None:
        return None
    return unpack(Packed(blob.data, blob.size)), blob.content_type
