"""Folder use cases: the help-center tree. Every query is scoped to the caller's workspace.

Concurrency: changes of the tree's shape (create under a parent, move, delete) first lock the
workspace row, so two moves can never build a cycle together on PostgreSQL; writers of
articles hold a key-share lock on their folder, so a folder is never deleted under a new
article. SQLite needs neither: its writers are serialised.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import Select, delete, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.scoping import in_workspace
from kbsmith.errors import Conflict, InvalidInput, NotAcceptable, NotFound
from kbsmith.knowledge import repository
from kbsmith.knowledge.content import FOLDER_DESCRIPTION_MAX_CHARS, FOLDER_TITLE_MAX_CHARS
from kbsmith.knowledge.links import ArticleSummary, delete_articles
from kbsmith.knowledge.models import Article, Folder
from kbsmith.workspaces.models import Workspace

MAX_FOLDER_DEPTH = 100
"""Levels of folders, the top level being 1: deep enough for any help center, and a bound
for everything that walks the tree."""


class Lock(Enum):
    NONE = "none"
    KEY_SHARE = "key share"
    """Keeps the folder from being deleted until the transaction ends."""
    UPDATE = "update"


@dataclass(frozen=True)
class FolderSummary:
    id: uuid.UUID
    title: str
    parent_folder_id: uuid.UUID | None


@dataclass(frozen=True)
class FolderDeletion:
    folders: list[FolderSummary]
    articles: list[ArticleSummary]


def _with_lock(statement: Select[Any], lock: Lock) -> Select[Any]:
    if lock is Lock.KEY_SHARE:
        return statement.with_for_update(read=True, key_share=True)
    if lock is Lock.UPDATE:
        return statement.with_for_update()
    return statement


async def find_folder(
    session: AsyncSession, workspace_id: uuid.UUID, folder_id: uuid.UUID, lock: Lock = Lock.NONE
) -> Folder | None:
    statement = select(Folder).where(in_workspace(Folder, workspace_id), Folder.id == folder_id)
    statement = _with_lock(statement, lock).execution_options(populate_existing=True)
    return (await session.scalars(statement)).one_or_none()


async def find_top_folder(
    session: AsyncSession, workspace_id: uuid.UUID, title: str
) -> Folder | None:
    """The workspace's active top-level folder of this title (case aside), the oldest."""
    statement = (
        select(Folder)
        .where(
            in_workspace(Folder, workspace_id),
            Folder.parent_folder_id.is_(None),
            Folder.active.is_(True),
            func.lower(Folder.title) == title.lower(),
        )
        .order_by(Folder.created_at, Folder.id)
        .limit(1)
    )
    return (await session.scalars(statement)).first()


async def get_folder(
    session: AsyncSession, workspace_id: uuid.UUID, folder_id: uuid.UUID, lock: Lock = Lock.NONE
) -> Folder:
    folder = await find_folder(session, workspace_id, folder_id, lock)
    if folder is None:
        raise NotFound(f"folder {folder_id} not found")
    return folder


async def _lock_tree(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    # NO KEY UPDATE: other rows may still reference the workspace meanwhile.
    await session.execute(
        select(Workspace.id).where(Workspace.id == workspace_id).with_for_update(key_share=True)
    )


def _check_folder_text(title: str | None, description: str | None) -> None:
    if title is not None and not title.strip():
        raise InvalidInput("title must not be empty")
    if title is not None and len(title) > FOLDER_TITLE_MAX_CHARS:
        raise InvalidInput(f"title must be at most {FOLDER_TITLE_MAX_CHARS} characters")
    if description is not None and len(description) > FOLDER_DESCRIPTION_MAX_CHARS:
        raise InvalidInput(f"description must be at most {FOLDER_DESCRIPTION_MAX_CHARS} characters")


async def create_folder(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    title: str,
    *,
    description: str = "",
    parent_folder_id: uuid.UUID | None = None,
    active: bool = True,
) -> Folder:
    _check_folder_text(title, description)
    if parent_folder_id is not None:
        await _lock_tree(session, workspace_id)
        await get_folder(session, workspace_id, parent_folder_id)
        depth = len(await repository.ancestor_ids(session, workspace_id, parent_folder_id)) + 1
        _check_depth(depth)
    folder = Folder(
        workspace_id=workspace_id,
        parent_folder_id=parent_folder_id,
        title=title,
        description=description,
        active=active,
    )
    session.add(folder)
    await session.flush()
    return folder


def _check_depth(depth: int) -> None:
    if depth > MAX_FOLDER_DEPTH:
        raise NotAcceptable(f"the folder tree may not be deeper than {MAX_FOLDER_DEPTH} levels")


async def update_folder(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    folder_id: uuid.UUID,
    *,
    title: str | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> Folder:
    """Changes the fields given; ``None`` keeps a field as it is."""
    _check_folder_text(title, description)
    folder = await get_folder(session, workspace_id, folder_id, Lock.UPDATE)
    if title is not None:
        folder.title = title
    if description is not None:
        folder.description = description
    if active is not None:
        folder.active = active
    await session.flush()
    return folder


async def move_folder(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    folder_id: uuid.UUID,
    parent_folder_id: uuid.UUID | None,
) -> Folder:
    """Put a folder (with its subtree) under another parent, or at the top when ``None``."""
    await _lock_tree(session, workspace_id)
    folder = await get_folder(session, workspace_id, folder_id)
    depth = 1
    if parent_folder_id is not None:
        await get_folder(session, workspace_id, parent_folder_id)
        above = await repository.ancestor_ids(session, workspace_id, parent_folder_id)
        if folder_id in above:
            raise NotAcceptable(
                f"folder {folder_id} cannot move into {parent_folder_id}: it would contain itself"
            )
        depth = len(above) + 1
    _check_depth(depth + await repository.subtree_height(session, workspace_id, folder_id))
    folder.parent_folder_id = parent_folder_id
    await session.flush()
    return folder


async def delete_folder(
    session: AsyncSession, workspace_id: uuid.UUID, folder_id: uuid.UUID, *, cascade: bool = False
) -> FolderDeletion:
    """Delete an empty folder, or with ``cascade`` the folder and everything below it."""
    await _lock_tree(session, workspace_id)
    await get_folder(session, workspace_id, folder_id)
    tree = repository.subtree(workspace_id, select(literal(folder_id, Folder.id.type)))
    folder_ids = select(tree.c.id)
    locked = select(Folder.id).where(Folder.id.in_(folder_ids)).with_for_update()
    await session.execute(locked)
    if not cascade:
        await _require_empty(session, folder_id)
    deletion = FolderDeletion(
        folders=await _folder_summaries(session, folder_ids),
        articles=await _article_summaries(session, folder_ids),
    )
    await delete_articles(
        session, workspace_id, select(Article.id).where(Article.parent_folder_id.in_(folder_ids))
    )
    await session.execute(
        delete(Folder)
        .where(in_workspace(Folder, workspace_id), Folder.id.in_([f.id for f in deletion.folders]))
        .execution_options(synchronize_session="fetch")
    )
    return deletion


async def _require_empty(session: AsyncSession, folder_id: uuid.UUID) -> None:
    has_folders = exists().where(Folder.parent_folder_id == folder_id)
    has_articles = exists().where(Article.parent_folder_id == folder_id)
    folders, articles = (await session.execute(select(has_folders, has_articles))).one()
    if folders or articles:
        raise Conflict(
            f"folder {folder_id} still holds articles or folders; delete with cascade=true "
            "to delete them too"
        )


async def _folder_summaries(
    session: AsyncSession, folder_ids: Select[uuid.UUID]
) -> list[FolderSummary]:
    rows = await session.execute(
        select(Folder.id, Folder.title, Folder.parent_folder_id)
        .where(Folder.id.in_(folder_ids))
        .order_by(Folder.title, Folder.id)
    )
    return [FolderSummary(r.id, r.title, r.parent_folder_id) for r in rows]


async def _article_summaries(
    session: AsyncSession, folder_ids: Select[uuid.UUID]
) -> list[ArticleSummary]:
    rows = await session.execute(
        select(Article.id, Article.title, Article.parent_folder_id)
        .where(Article.parent_folder_id.in_(folder_ids))
        .order_by(Article.title, Article.id)
    )
    return [ArticleSummary(r.id, r.title, r.parent_folder_id) for r in rows]
