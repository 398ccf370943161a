"""The non-trivial queries of the knowledge store: folder-tree walks and article listings."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from enum import StrEnum
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.scoping import in_workspace
from kbsmith.knowledge.models import AgentFolder, Article, Folder

# A cycle cannot exist (moves refuse them); the bound only keeps a corrupt tree from looping.
TREE_WALK_LIMIT = 10_000


class ArticleKind(StrEnum):
    LIVE = "live"
    DRAFT = "draft"


def subtree(workspace_id: uuid.UUID, roots: Select[Any]) -> CTE:
    """Ids of the folders selected by ``roots`` and of all their descendants, with depth."""
    start = select(Folder.id.label("id"), literal(0).label("depth")).where(
        in_workspace(Folder, workspace_id), Folder.id.in_(roots)
    )
    tree = start.cte("subtree", recursive=True)
    child = select(Folder.id, tree.c.depth + 1).join(tree, Folder.parent_folder_id == tree.c.id)
    return tree.union_all(child.where(tree.c.depth < TREE_WALK_LIMIT))


def ancestors(workspace_id: uuid.UUID, folder_id: uuid.UUID) -> CTE:
    """The folder itself and every folder above it, with its distance from the folder."""
    start = select(
        Folder.id.label("id"), Folder.parent_folder_id.label("parent"), literal(0).label("depth")
    ).where(in_workspace(Folder, workspace_id), Folder.id == folder_id)
    chain = start.cte("ancestors", recursive=True)
    parent = select(Folder.id, Folder.parent_folder_id, chain.c.depth + 1).join(
        chain, Folder.id == chain.c.parent
    )
    return chain.union_all(parent.where(chain.c.depth < TREE_WALK_LIMIT))


def visible_folders(workspace_id: uuid.UUID, agent_id: uuid.UUID) -> CTE:
    """The folders assigned to an agent and their subfolders."""
    assigned = select(AgentFolder.folder_id).where(AgentFolder.agent_id == agent_id)
    return subtree(workspace_id, assigned)


async def descendant_ids(
    session: AsyncSession, workspace_id: uuid.UUID, folder_id: uuid.UUID
) -> list[uuid.UUID]:
    """The folder and everything below it."""
    tree = subtree(workspace_id, select(literal(folder_id, Folder.id.type)))
    return list((await session.scalars(select(tree.c.id).distinct())).all())


async def ancestor_ids(
    session: AsyncSession, workspace_id: uuid.UUID, folder_id: uuid.UUID
) -> list[uuid.UUID]:
    """The folder and every folder above it, nearest first."""
    chain = ancestors(workspace_id, folder_id)
    return list((await session.scalars(select(chain.c.id).order_by(chain.c.depth))).all())


async def subtree_height(
    session: AsyncSession, workspace_id: uuid.UUID, folder_id: uuid.UUID
) -> int:
    """Levels below the folder (0 for a folder without subfolders)."""
    tree = subtree(workspace_id, select(literal(folder_id, Folder.id.type)))
    return int((await session.execute(select(func.max(tree.c.depth)))).scalar_one() or 0)


async def visible_folder_ids(
    session: AsyncSession, workspace_id: uuid.UUID, agent_id: uuid.UUID
) -> set[uuid.UUID]:
    tree = visible_folders(workspace_id, agent_id)
    return set((await session.scalars(select(tree.c.id))).all())


class ReviewState(StrEnum):
    PENDING = "pending"
    """Drafts and no-op records neither published nor dismissed."""
    PUBLISHED = "published"
    """Drafts published into their original."""


def article_listing(
    workspace_id: uuid.UUID,
    kind: ArticleKind | None,
    folder_id: uuid.UUID | None,
    review: ReviewState | None = None,
) -> Select[Article]:
    """The filtered articles of a workspace, unordered (pagination adds the order)."""
    statement = select(Article).where(in_workspace(Article, workspace_id))
    if review is not None:
        kind = ArticleKind.DRAFT
        published = review is ReviewState.PUBLISHED
        statement = statement.where(Article.is_draft_published == published)
        if not published:
            statement = statement.where(Article.dismissed_at.is_(None))
    if kind is not None:
        # `=` rather than `IS`: PostgreSQL uses an index only for the former.
        statement = statement.where(Article.is_draft == (kind is ArticleKind.DRAFT))
    if folder_id is not None:
        statement = statement.where(Article.parent_folder_id == folder_id)
    return statement


async def articles_by_ids(
    session: AsyncSession, workspace_id: uuid.UUID, article_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Article]:
    """By primary key: the workspace condition only filters what the ids found."""
    if not article_ids:
        return {}
    statement = select(Article).where(
        in_workspace(Article, workspace_id, Article.id.in_(article_ids), off_index=session)
    )
    return {article.id: article for article in (await session.scalars(statement)).all()}


IN_FORCE: ColumnElement[bool] = and_(
    Article.is_draft_published.is_(False), Article.dismissed_at.is_(None)
)
"""A live article, or a draft neither published nor dismissed."""


def pending_articles(workspace_id: uuid.UUID) -> Select[Article]:
    """Live articles and drafts neither published nor dismissed: what new knowledge may
    duplicate (a dismissed draft is no knowledge: nothing is updated into it or covered by it)."""
    return select(Article).where(in_workspace(Article, workspace_id), IN_FORCE)
