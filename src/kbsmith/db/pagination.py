"""Keyset pagination over (updated_at desc, id desc): a page costs the same at any depth.

The caller builds a select of one entity (or column) with its filters, names the two key
columns, and gives the cursor row's key when there is one. With a composite index that ends in
(updated_at, id) after the filter's equality columns, both dialects seek straight to the
cursor instead of counting rows up to it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Direction(StrEnum):
    NEXT = "next"
    """Older than the cursor."""
    PREVIOUS = "previous"
    """Newer than the cursor."""


@dataclass(frozen=True)
class Cursor:
    """The key of the row a page starts after (or before)."""

    updated_at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_more: bool
    """More rows exist beyond this page in the direction asked."""


async def keyset_page(
    session: AsyncSession,
    statement: Select[T],
    updated_at: InstrumentedAttribute[datetime],
    id_: InstrumentedAttribute[uuid.UUID],
    *,
    cursor: Cursor | None,
    direction: Direction = Direction.NEXT,
    limit: int = DEFAULT_LIMIT,
) -> Page[T]:
    """One page of ``statement``, newest first. Without a cursor: the first (newest) page."""
    key = tuple_(updated_at, id_)
    backwards = cursor is not None and direction is Direction.PREVIOUS
    if cursor is not None:
        position: Any = tuple_(
            literal(cursor.updated_at, updated_at.type), literal(cursor.id, id_.type)
        )
        statement = statement.where(key > position if backwards else key < position)
    if backwards:
        statement = statement.order_by(updated_at.asc(), id_.asc())
    else:
        statement = statement.order_by(updated_at.desc(), id_.desc())
    rows = list((await session.scalars(statement.limit(limit + 1))).all())
    items = rows[:limit]
    if backwards:
        items.reverse()
    return Page(items=items, has_more=len(rows) > limit)
