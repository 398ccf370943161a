"""Article use cases: create, read, list, update, move, delete.

Every query is scoped to the caller's workspace: an id of another workspace behaves exactly
like an unknown id. Services flush but never commit; the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.index import index_article
from kbsmith.db.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Cursor,
    Direction,
    Page,
    keyset_page,
)
from kbsmith.db.scoping import in_workspace
from kbsmith.errors import Conflict, InvalidInput, NotFound
from kbsmith.knowledge import repository
from kbsmith.knowledge.agents import get_agent
from kbsmith.knowledge.content import ArticleContent, check_origin
from kbsmith.knowledge.folders import Lock, get_folder
from kbsmith.knowledge.history import Change, record_version
from kbsmith.knowledge.links import delete_articles, link_sources
from kbsmith.knowledge.models import Article
from kbsmith.knowledge.repository import ArticleKind, ReviewState


async def find_article(
    session: AsyncSession, workspace_id: uuid.UUID, article_id: uuid.UUID, *, lock: bool = False
) -> Article | None:
    """The article, or None; ``lock`` holds its row until the transaction ends."""
    statement = select(Article).where(in_workspace(Article, workspace_id), Article.id == article_id)
    if lock:
        statement = statement.with_for_update()
    statement = statement.execution_options(populate_existing=True)
    return (await session.scalars(statement)).one_or_none()


async def get_article(
    session: AsyncSession, workspace_id: uuid.UUID, article_id: uuid.UUID, *, lock: bool = False
) -> Article:
    article = await find_article(session, workspace_id, article_id, lock=lock)
    if article is None:
        raise NotFound(f"article {article_id} not found")
    return article


async def get_articles(
    session: AsyncSession, workspace_id: uuid.UUID, article_ids: Sequence[uuid.UUID]
) -> list[Article]:
    """In the order asked, each once; ids not in the workspace are skipped."""
    found = await repository.articles_by_ids(session, workspace_id, set(article_ids))
    ordered = dict.fromkeys(article_ids)
    return [found[article_id] for article_id in ordered if article_id in found]


async def list_articles(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    kind: ArticleKind | None = None,
    folder_id: uuid.UUID | None = None,
    review: ReviewState | None = None,
    cursor_id: uuid.UUID | None = None,
    direction: Direction = Direction.NEXT,
    limit: int = DEFAULT_LIMIT,
) -> Page[Article]:
    """Newest first (``updatedAt`` desc, then ``id`` desc), one keyset page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
    if folder_id is not None:
        await get_folder(session, workspace_id, folder_id)
    cursor = await article_cursor(session, workspace_id, cursor_id)
    statement = repository.article_listing(workspace_id, kind, folder_id, review)
    return await keyset_page(
        session,
        statement,
        Article.updated_at,
        Article.id,
        cursor=cursor,
        direction=direction,
        limit=limit,
    )


async def article_cursor(
    session: AsyncSession, workspace_id: uuid.UUID, cursor_id: uuid.UUID | None
) -> Cursor | None:
    if cursor_id is None:
        return None
    row = (
        await session.execute(
            select(Article.updated_at, Article.id).where(
                in_workspace(Article, workspace_id), Article.id == cursor_id
            )
        )
    ).one_or_none()
    if row is None:
        raise InvalidInput(f"cursor: no article {cursor_id} in this workspace")
    return Cursor(updated_at=row.updated_at, id=row.id)


async def list_candidate_articles(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    agent_id: uuid.UUID | None = None,
    folder_ids: Collection[uuid.UUID] | None = None,
) -> list[Article]:
    """Live articles and pending drafts (not yet published), newest first.

    With ``agent_id``: only those in the folders the agent sees (its folders and their
    subfolders; NotFound for an unknown agent). With ``folder_ids``: only those folders.
    """
    statement = repository.pending_articles(workspace_id)
    if agent_id is not None:
        await get_agent(session, workspace_id, agent_id)
        visible = select(repository.visible_folders(workspace_id, agent_id).c.id)
        statement = statement.where(Article.parent_folder_id.in_(visible))
    if folder_ids is not None:
        statement = statement.where(Article.parent_folder_id.in_(folder_ids))
    statement = statement.order_by(Article.updated_at.desc(), Article.id.desc())
    return list((await session.scalars(statement)).all())


async def create_article(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    content: ArticleContent,
    *,
    parent_folder_id: uuid.UUID,
    is_draft: bool = False,
    origin: str | None = None,
    source_ids: Collection[uuid.UUID] = (),
    author_key_id: uuid.UUID | None = None,
) -> Article:
    """A new live article, or a new draft (not forked from anything) with ``is_draft``."""
    check_origin(origin)
    await get_folder(session, workspace_id, parent_folder_id, Lock.KEY_SHARE)
    article = Article(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        parent_folder_id=parent_folder_id,
        is_draft=is_draft,
        origin=origin,
        version=1,
        source_links=[],
    )
    apply_content(article, content)
    session.add(article)
    record_version(session, article, Change.CREATE, author_key_id)
    await link_sources(session, workspace_id, article, source_ids)
    await session.flush()
    await index_article(session, article, new=True)
    return article


def apply_content(article: Article, content: ArticleContent) -> None:
    article.title = content.title
    article.main_knowledge = content.main_knowledge
    article.agent_instruction = content.agent_instruction
    article.questions = list(content.questions)
    article.keywords = list(content.keywords)
    article.escalation = content.escalation
    article.active = _keep(content.active, article.active)
    article.public = _keep(content.public, article.public)


def _keep(given: bool | None, current: bool | None) -> bool:
    if given is not None:
        return given
    return True if current is None else current


async def update_article(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    article_id: uuid.UUID,
    content: ArticleContent,
    *,
    expected_version: int | None = None,
    parent_folder_id: uuid.UUID | None = None,
    origin: str | None = None,
    source_ids: Collection[uuid.UUID] = (),
    author_key_id: uuid.UUID | None = None,
) -> Article:
    """Replace the content as a new version.

    With ``expected_version`` (HTTP ``If-Match``) a concurrent change is refused with
    Conflict; without it, concurrent updates land one after the other as successive versions.
    A ``parent_folder_id`` other than the article's moves it there (NotFound for an unknown
    folder), as ``move_article`` does; ``origin``, when given, replaces the article's.
    """
    check_origin(origin)
    article = await get_article(session, workspace_id, article_id, lock=True)
    if expected_version is not None and article.version != expected_version:
        raise Conflict(
            f"article {article_id} is at version {article.version}, not {expected_version}"
        )
    if article.is_draft_published:
        raise Conflict(f"draft {article_id} was already published and can no longer change")
    if parent_folder_id is not None and parent_folder_id != article.parent_folder_id:
        await place_article(session, workspace_id, article, parent_folder_id)
    if origin is not None:
        article.origin = origin
    apply_content(article, content)
    article.version += 1
    record_version(session, article, Change.UPDATE, author_key_id)
    await link_sources(session, workspace_id, article, source_ids)
    await session.flush()
    await index_article(session, article)
    return article


async def move_article(
    session: AsyncSession, workspace_id: uuid.UUID, article_id: uuid.UUID, folder_id: uuid.UUID
) -> Article:
    article = await get_article(session, workspace_id, article_id, lock=True)
    await place_article(session, workspace_id, article, folder_id)
    await session.flush()
    await index_article(session, article)
    return article


async def place_article(
    session: AsyncSession, workspace_id: uuid.UUID, article: Article, folder_id: uuid.UUID
) -> None:
    """Put the (locked) article into the folder; NotFound for a folder not in the workspace."""
    await get_folder(session, workspace_id, folder_id, Lock.KEY_SHARE)
    article.parent_folder_id = folder_id


async def delete_article(
    session: AsyncSession, workspace_id: uuid.UUID, article_id: uuid.UUID
) -> Article:
    """Delete the article with its history; its sources no longer link to it.
    Answers the article as it was."""
    article = await get_article(session, workspace_id, article_id, lock=True)
    await delete_articles(session, workspace_id, [article.id])
    return article
