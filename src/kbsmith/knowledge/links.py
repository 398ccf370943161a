"""Sources ↔ articles: the link table is the article's side, ``Source.linked_knowledge_id``
the source's side (written by ``sources.linking``). Both sides are kept in step here."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.db.scoping import in_workspace
from kbsmith.errors import NotFound
from kbsmith.knowledge.models import Article, ArticleSource
from kbsmith.sources import linking
from kbsmith.sources.models import Source


@dataclass(frozen=True)
class ArticleSummary:
    """What a deletion reports about each article it removed."""

    id: uuid.UUID
    title: str
    parent_folder_id: uuid.UUID


async def link_sources(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    article: Article,
    source_ids: Collection[uuid.UUID],
    *,
    operation: str | None = None,
    reason: str | None = None,
) -> None:
    """Record that ``article`` was generated from these sources, on both sides.

    ``operation``/``reason``, when given, are stored as the sources' ``linkedOperation`` and
    ``linkedReason``. Unknown sources (or sources of another workspace) raise NotFound.
    """
    wanted = list(dict.fromkeys(source_ids))
    if not wanted:
        return
    await _require_sources(session, workspace_id, wanted)
    known = set(article.source_ids)
    added = [source_id for source_id in wanted if source_id not in known]
    for source_id in added:
        article.source_links.append(ArticleSource(article_id=article.id, source_id=source_id))
    if added:  # the article's sources are part of it: readers that follow changes see it
        article.updated_at = utcnow()
    await linking.link(
        session, workspace_id, wanted, article.id, operation=operation, reason=reason
    )


async def _require_sources(
    session: AsyncSession, workspace_id: uuid.UUID, source_ids: list[uuid.UUID]
) -> None:
    found = set(
        (
            await session.scalars(
                select(Source.id).where(
                    in_workspace(Source, workspace_id), Source.id.in_(source_ids)
                )
            )
        ).all()
    )
    missing = [source_id for source_id in source_ids if source_id not in found]
    if missing:
        raise NotFound(f"source {missing[0]} not found")


async def move_links(
    session: AsyncSession, workspace_id: uuid.UUID, draft: Article, live: Article
) -> None:
    """A published draft's sources now belong to the live article it was merged into."""
    known = set(live.source_ids)
    for source_id in draft.source_ids:
        if source_id not in known:
            live.source_links.append(ArticleSource(article_id=live.id, source_id=source_id))
    draft.source_links.clear()
    await linking.relink(session, workspace_id, draft.id, live.id)


ArticleIds = Collection[uuid.UUID] | Select[uuid.UUID]
"""Article ids as values, or as a subquery when there may be very many."""


async def delete_articles_of_sources(
    session: AsyncSession, workspace_id: uuid.UUID, source_ids: Sequence[uuid.UUID]
) -> list[ArticleSummary]:
    """Delete every article generated from these sources (``deleteArticles: true``).

    Articles are found through the link table and through the sources' ``linkedKnowledgeId``;
    ids of another workspace match nothing. Answers the deleted articles, by title.
    """
    if not source_ids:
        return []
    linked = select(ArticleSource.article_id).where(ArticleSource.source_id.in_(source_ids))
    pointed = select(Source.linked_knowledge_id).where(
        in_workspace(Source, workspace_id), Source.id.in_(source_ids)
    )
    rows = await session.execute(
        select(Article.id, Article.title, Article.parent_folder_id)
        .where(in_workspace(Article, workspace_id))
        .where(Article.id.in_(linked) | Article.id.in_(pointed))
        .order_by(Article.title, Article.id)
    )
    summaries = [ArticleSummary(r.id, r.title, r.parent_folder_id) for r in rows]
    if summaries:
        await delete_articles(session, workspace_id, [summary.id for summary in summaries])
    return summaries


async def delete_articles(
    session: AsyncSession, workspace_id: uuid.UUID, article_ids: ArticleIds
) -> None:
    """Delete articles (their versions and links go with them) and unlink their sources."""
    await linking.forget_articles(session, workspace_id, article_ids)
    await session.execute(
        delete(Article)
        .where(in_workspace(Article, workspace_id), Article.id.in_(article_ids))
        .execution_options(synchronize_session="fetch")
    )
