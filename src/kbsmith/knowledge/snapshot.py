"""The folder snapshot: the nested tree of folders with their articles, computed live.

With an agent, the tree holds exactly what the agent sees: the folders assigned to it (as
top-level nodes) with all their subfolders. Articles are the live ones and the pending drafts;
a draft that was merged into its original is history, not part of the tree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.dialect import uuid_text
from kbsmith.db.scoping import in_workspace
from kbsmith.knowledge import repository
from kbsmith.knowledge.agents import get_agent
from kbsmith.knowledge.models import Article, Folder
from kbsmith.workspaces.models import Workspace

Rows = Select[*tuple[Any, ...]]

SNAPSHOT_NAMESPACE = uuid.UUID("6f1c52a4-3f0e-4a59-9d7e-2b8b8e0c1a77")


ArticleLeaf = tuple[str, str, bool, bool]
"""An article of the tree: (id, title, is_draft, active). A tree may hold 100,000 of them, so
they are exact tuples of plain values, which the garbage collector stops tracking (a NamedTuple
stays tracked: every full collection walked all of them), and the id is the UUID's canonical
text (100,000 UUID objects took longer to make than the query)."""


@dataclass
class FolderNode:
    id: uuid.UUID
    title: str
    description: str
    active: bool
    parent_folder_id: uuid.UUID | None
    articles: list[ArticleLeaf] = field(default_factory=list)
    children: list[FolderNode] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    id: uuid.UUID
    """Stable for a workspace (and agent): the same tree is always the same snapshot."""
    created_at: datetime
    updated_at: datetime
    """The latest change of a folder or article in the tree."""
    tree: list[FolderNode]


async def folder_snapshot(
    session: AsyncSession, workspace_id: uuid.UUID, agent_id: uuid.UUID | None = None
) -> Snapshot:
    scope: Select[Any] | None = None
    if agent_id is not None:
        await get_agent(session, workspace_id, agent_id)
        scope = select(repository.visible_folders(workspace_id, agent_id).c.id)
    connection = await session.connection()
    # Ids are read as text, never as UUID objects: a workspace's articles name their folder
    # 100,000 times, and making a UUID of each only to find the folder took longer than the
    # query. Folders are keyed by that text.
    nodes: dict[str, FolderNode] = {}
    parents: list[tuple[FolderNode, str | None]] = []
    for row in await connection.execute(_folders(session, workspace_id, scope)):
        node = FolderNode(row.id, row.title, row.description, row.active, row.parent)
        nodes[row.key] = node
        parents.append((node, row.parent_key))
    roots: list[FolderNode] = []
    for node, parent_key in parents:
        parent = nodes.get(parent_key) if parent_key is not None else None
        (parent.children if parent else roots).append(node)
    canonical = uuid_text(Article.id.expression, session).canonical
    for article_id, parent_key, title, is_draft, active in await connection.execute(
        _articles(session, workspace_id, scope)
    ):
        nodes[parent_key].articles.append((canonical(article_id), title, is_draft, active))
    created_at = await _workspace_created_at(session, workspace_id)
    updated_at = max([created_at, *await _latest_changes(session, workspace_id, scope)])
    snapshot_id = uuid.uuid5(SNAPSHOT_NAMESPACE, f"{workspace_id}/{agent_id or ''}")
    return Snapshot(id=snapshot_id, created_at=created_at, updated_at=updated_at, tree=roots)


def _folders(session: AsyncSession, workspace_id: uuid.UUID, scope: Select[Any] | None) -> Rows:
    statement = select(
        Folder.id,
        uuid_text(Folder.id.expression, session).column.label("key"),
        Folder.parent_folder_id.label("parent"),
        uuid_text(Folder.parent_folder_id.expression, session).column.label("parent_key"),
        Folder.title,
        Folder.description,
        Folder.active,
    ).where(in_workspace(Folder, workspace_id))
    if scope is not None:
        statement = statement.where(Folder.id.in_(scope))
    return statement.order_by(Folder.title, Folder.id)


def _articles(session: AsyncSession, workspace_id: uuid.UUID, scope: Select[Any] | None) -> Rows:
    statement = select(
        uuid_text(Article.id.expression, session).column,
        uuid_text(Article.parent_folder_id.expression, session).column.label("parent_key"),
        Article.title,
        Article.is_draft,
        Article.active,
    ).where(in_workspace(Article, workspace_id), Article.is_draft_published.is_(False))
    if scope is not None:
        statement = statement.where(Article.parent_folder_id.in_(scope))
    return statement.order_by(Article.title, Article.id)


async def _latest_changes(
    session: AsyncSession, workspace_id: uuid.UUID, scope: Select[Any] | None
) -> list[datetime]:
    """When a folder and an article of the tree last changed (read from the indexes)."""
    folders = select(func.max(Folder.updated_at)).where(in_workspace(Folder, workspace_id))
    articles = select(func.max(Article.updated_at)).where(in_workspace(Article, workspace_id))
    if scope is not None:
        folders = folders.where(Folder.id.in_(scope))
        articles = articles.where(Article.parent_folder_id.in_(scope))
    latest = [await session.scalar(folders), await session.scalar(articles)]
    return [moment for moment in latest if moment is not None]


async def _workspace_created_at(session: AsyncSession, workspace_id: uuid.UUID) -> datetime:
    statement = select(Workspace.created_at).where(Workspace.id == workspace_id)
    return (await session.execute(statement)).scalar_one()
