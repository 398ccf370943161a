"""Review: what awaits a reviewer, dismissing it, and the diff of two versions of an article.

A draft (or no-op record) is pending until it is published or dismissed. Dismissing settles
its sources: a conflict draft written beside a live article the job already merged leaves
that article as generated (the person's text kept), so the sources count as generated from
the content the job saw; any other draft never reached live knowledge, so its sources keep
what the live article was generated from (``changed`` while their content differs).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only, raiseload

from kbsmith.db.base import utcnow
from kbsmith.db.pagination import DEFAULT_LIMIT, Direction, Page, keyset_page
from kbsmith.db.scoping import in_workspace
from kbsmith.errors import Conflict, InvalidInput, NotFound
from kbsmith.knowledge import repository
from kbsmith.knowledge.articles import article_cursor, find_article, get_article
from kbsmith.knowledge.diff import Change, diff_texts
from kbsmith.knowledge.models import Article, ArticleSource, ArticleVersion
from kbsmith.knowledge.repository import ReviewState
from kbsmith.sources import linking
from kbsmith.sources.models import Source

LIVE: Final = "live"
"""``from=live``: the live article a draft was forked from, as it is now."""
VERSION_NUMBER = re.compile(r"[0-9]{1,9}")
"""``from=3``: a version number (one an int column holds)."""
MANUAL = "manual"
"""The operation of a draft no generation job wrote (forked or created by a person)."""


@dataclass(frozen=True)
class QueueFilters:
    operation: str | None = None
    """A generation operation (``UPDATE_ARTICLE``…) or ``manual``."""
    folder_id: uuid.UUID | None = None
    source_type: str | None = None
    """A provider: web, notion, zendesk, confluence, googledrive, files."""


def _queue(workspace_id: uuid.UUID, filters: QueueFilters) -> Select[Article]:
    statement = repository.article_listing(
        workspace_id, None, filters.folder_id, ReviewState.PENDING
    )
    if filters.operation == MANUAL:
        statement = statement.where(Article.generation_operation.is_(None))
    elif filters.operation:
        statement = statement.where(Article.generation_operation == filters.operation)
    if filters.source_type:
        of_type = (
            select(ArticleSource.article_id)
            .join(Source, Source.id == ArticleSource.source_id)
            .where(in_workspace(Source, workspace_id), Source.provider == filters.source_type)
        )
        statement = statement.where(Article.id.in_(of_type))
    return statement


async def review_queue(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    filters: QueueFilters,
    *,
    cursor_id: uuid.UUID | None = None,
    direction: Direction = Direction.NEXT,
    limit: int = DEFAULT_LIMIT,
) -> Page[Article]:
    """What awaits a reviewer, newest first, one keyset page of articles with only what a
    queue shows loaded (title, folder, generation, times): not their bodies nor sources."""
    cursor = await article_cursor(session, workspace_id, cursor_id)
    shown = load_only(
        Article.title,
        Article.parent_folder_id,
        Article.generation,
        Article.generation_operation,
        Article.updated_at,
    )
    return await keyset_page(
        session,
        _queue(workspace_id, filters).options(shown, raiseload(Article.source_links)),
        Article.updated_at,
        Article.id,
        cursor=cursor,
        direction=direction,
        limit=limit,
    )


async def review_counts(session: AsyncSession, workspace_id: uuid.UUID) -> dict[str, int]:
    """Pending drafts and no-op records by operation (``manual`` for a person's drafts)."""
    operation = Article.generation_operation
    rows = await session.execute(
        _queue(workspace_id, QueueFilters())
        .with_only_columns(operation, func.count())
        .group_by(operation)
    )
    return {(op or MANUAL): int(count) for op, count in rows}


async def dismiss(session: AsyncSession, workspace_id: uuid.UUID, article_id: uuid.UUID) -> Article:
    """Take a pending draft or no-op record out of review without publishing it. NotFound for
    an unknown id; Conflict for a live article or a draft already published or dismissed."""
    draft = await get_article(session, workspace_id, article_id, lock=True)
    if not draft.is_draft:
        raise Conflict(f"article {article_id} is live, not a draft")
    if draft.is_draft_published:
        raise Conflict(f"draft {article_id} was already published")
    if draft.dismissed_at is not None:
        raise Conflict(f"draft {article_id} was already dismissed")
    draft.dismissed_at = utcnow()
    if (draft.generation or {}).get("live_merged"):
        await linking.settle_pending(session, workspace_id, draft.id)
    else:
        conflicts = bool((draft.generation or {}).get("conflicts"))
        await linking.release_pending(
            session, workspace_id, draft.id, draft.original_article_id, restore=not conflicts
        )
    await session.flush()
    return draft


@dataclass(frozen=True)
class ArticleDiff:
    article_id: uuid.UUID
    from_version: int | Literal["live"]
    to_version: int
    changes: list[Change]


async def diff(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    article_id: uuid.UUID,
    from_version: str,
    to_version: int | None = None,
) -> ArticleDiff:
    """Paragraph changes of ``mainKnowledge`` from one version (or ``live``) to another
    (the article's current version when absent)."""
    article = await get_article(session, workspace_id, article_id)
    to = to_version if to_version is not None else article.version
    after = await _version_text(session, article, to)
    if from_version == LIVE:
        before = await _live_text(session, workspace_id, article)
        return ArticleDiff(article.id, LIVE, to, diff_texts(before, after))
    if not VERSION_NUMBER.fullmatch(from_version):
        raise InvalidInput("from must be a version number or 'live'")
    before = await _version_text(session, article, int(from_version))
    return ArticleDiff(article.id, int(from_version), to, diff_texts(before, after))


async def _version_text(session: AsyncSession, article: Article, version: int) -> str:
    text = await session.scalar(
        select(ArticleVersion.main_knowledge).where(
            ArticleVersion.article_id == article.id, ArticleVersion.version == version
        )
    )
    if text is None:
        raise NotFound(f"article {article.id} has no version {version}")
    return text


async def _live_text(session: AsyncSession, workspace_id: uuid.UUID, draft: Article) -> str:
    if draft.original_article_id is None:
        raise InvalidInput("from=live applies only to a draft forked from a live article")
    live = await find_article(session, workspace_id, draft.original_article_id)
    if live is None:
        raise NotFound(f"the live article {draft.original_article_id} was deleted")
    return live.main_knowledge
