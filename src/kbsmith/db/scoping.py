"""Workspace isolation in one place: "this model, in this workspace".

Every query of a workspace's records states its scope with ``in_workspace`` (a condition), a
look-up by primary key with ``get_owned``, a record already loaded with ``belongs``; never
with a hand-written ``workspace_id ==``. What keeps one workspace from reading or writing
another's records is this module (``tests/foundation/test_layers.py`` keeps it so;
``tests/knowledge/test_isolation.py`` proves it from the outside).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, and_

from kbsmith.db.dialect import unindexed

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Mapped


class WorkspaceOwned:
    """A model whose rows belong to one workspace (each declares its own ``workspace_id``
    column, with its foreign key and indexes)."""

    if TYPE_CHECKING:
        workspace_id: Mapped[Any]


Owned = TypeVar("Owned", bound=WorkspaceOwned)


def in_workspace(
    model: type[WorkspaceOwned],
    workspace_id: uuid.UUID,
    *conditions: ColumnElement[bool],
    off_index: AsyncSession | None = None,
) -> ColumnElement[bool]:
    """Rows of ``model`` in the workspace (that also meet ``conditions``). With ``off_index``
    (the session), the workspace is checked on the rows the other conditions find, not
    through an index that starts with it (``dialect.unindexed``: SQLite has no statistics)."""
    column = model.workspace_id.expression
    if off_index is not None:
        column = unindexed(column, off_index)
    return and_(column == workspace_id, *conditions)


def belongs(record: WorkspaceOwned, workspace_id: uuid.UUID) -> bool:
    """Whether a record already loaded is the workspace's."""
    return bool(record.workspace_id == workspace_id)


async def get_owned(
    session: AsyncSession, model: type[Owned], workspace_id: uuid.UUID, record_id: uuid.UUID
) -> Owned | None:
    """The workspace's record by primary key (None when absent, or another workspace's)."""
    record = await session.get(model, record_id)
    return record if record is not None and belongs(record, workspace_id) else None
