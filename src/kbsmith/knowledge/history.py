"""Every content change of an article is kept as a full version, so any two can be diffed."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.scoping import in_workspace
from kbsmith.errors import NotFound
from kbsmith.knowledge.models import Article, ArticleVersion


class Change(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    FORK = "fork"
    PUBLISH = "publish"


def record_version(
    session: AsyncSession,
    article: Article,
    change: Change,
    author_key_id: uuid.UUID | None,
    from_article_id: uuid.UUID | None = None,
) -> ArticleVersion:
    """Keep the article's current content as its current version number."""
    version = ArticleVersion(
        article_id=article.id,
        version=article.version,
        change=change.value,
        from_article_id=from_article_id,
        author_key_id=author_key_id,
        title=article.title,
        main_knowledge=article.main_knowledge,
        agent_instruction=article.agent_instruction,
        questions=list(article.questions),
        keywords=list(article.keywords),
        escalation=article.escalation,
        active=article.active,
        public=article.public,
    )
    session.add(version)
    return version


async def article_versions(
    session: AsyncSession, workspace_id: uuid.UUID, article_id: uuid.UUID
) -> list[ArticleVersion]:
    """Every version of an article, newest first."""
    owned = select(Article.id).where(in_workspace(Article, workspace_id), Article.id == article_id)
    if (await session.scalar(owned)) is None:
        raise NotFound(f"article {article_id} not found")
    statement = (
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.version.desc())
    )
    return list((await session.scalars(statement)).all())
