"""Drafts: forking a live article for review, and publishing a draft.

A forked draft names its original (``originalArticleId``, ``originalArticleVersion``);
publishing it merges its content into the original as the original's next version and marks
the draft published. Publishing any other draft turns that same record live. Either way the
sources linked to the draft follow it to the live article.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.index import index_article
from kbsmith.errors import Conflict
from kbsmith.knowledge.articles import apply_content, find_article, get_article, place_article
from kbsmith.knowledge.content import ArticleContent, check_origin
from kbsmith.knowledge.folders import Lock, get_folder
from kbsmith.knowledge.history import Change, record_version
from kbsmith.knowledge.links import link_sources, move_links
from kbsmith.knowledge.models import Article
from kbsmith.sources import linking
from kbsmith.webhooks import events


def content_of(article: Article) -> ArticleContent:
    return ArticleContent(
        title=article.title,
        main_knowledge=article.main_knowledge,
        questions=list(article.questions),
        keywords=list(article.keywords),
        agent_instruction=article.agent_instruction,
        escalation=article.escalation,
        active=article.active,
        public=article.public,
    )


async def fork_draft(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    article_id: uuid.UUID,
    content: ArticleContent | None = None,
    *,
    origin: str | None = None,
    parent_folder_id: uuid.UUID | None = None,
    source_ids: Collection[uuid.UUID] = (),
    author_key_id: uuid.UUID | None = None,
) -> Article:
    """A draft of the live article ``article_id``, with ``content`` or a copy of the original's.

    The draft stays in the original's folder: a ``parent_folder_id`` (a create body sent
    as-is) is only checked. NotFound when the original or that folder is unknown; Conflict
    when the original is itself a draft.
    """
    check_origin(origin)
    original = await get_article(session, workspace_id, article_id, lock=True)
    if original.is_draft:
        raise Conflict(f"article {article_id} is a draft; only live articles can be forked")
    if parent_folder_id is not None:
        await get_folder(session, workspace_id, parent_folder_id)
    await get_folder(session, workspace_id, original.parent_folder_id, Lock.KEY_SHARE)
    draft = Article(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        parent_folder_id=original.parent_folder_id,
        is_draft=True,
        origin=origin if origin is not None else original.origin,
        original_article_id=original.id,
        original_article_version=original.version,
        version=1,
        source_links=[],
    )
    apply_content(draft, content or content_of(original))
    session.add(draft)
    record_version(session, draft, Change.FORK, author_key_id, from_article_id=original.id)
    await link_sources(session, workspace_id, draft, source_ids)
    await session.flush()
    return draft


async def publish_draft(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    draft_id: uuid.UUID,
    content: ArticleContent | None = None,
    *,
    origin: str | None = None,
    parent_folder_id: uuid.UUID | None = None,
    author_key_id: uuid.UUID | None = None,
) -> Article:
    """Publish a draft, with ``content`` (and ``origin``) replacing the draft's when given;
    answers the live article. ``parent_folder_id`` places a draft that was not forked (it
    goes live in that folder); a forked draft merges into its original where that is, so
    there it is only checked. NotFound for an unknown folder; Conflict when the article is
    not a draft, was already published, or its original was deleted meanwhile (nothing is
    written then)."""
    check_origin(origin)
    draft = await get_article(session, workspace_id, draft_id, lock=True)
    if not draft.is_draft:
        raise Conflict(f"article {draft_id} is live, not a draft")
    if draft.is_draft_published:
        raise Conflict(
            f"draft {draft_id} was already published into article {draft.original_article_id}"
        )
    if draft.original_article_id is None:
        if parent_folder_id is not None:
            await place_article(session, workspace_id, draft, parent_folder_id)
        live = await _publish_in_place(session, draft, content, author_key_id)
    else:
        if parent_folder_id is not None:
            await get_folder(session, workspace_id, parent_folder_id)
        live = await _merge_into_original(session, workspace_id, draft, content, author_key_id)
    if origin is not None:
        live.origin = origin
    if (draft.generation or {}).get("conflicts"):
        await linking.settle_pending(session, workspace_id, draft.id)
    else:
        await linking.forget_pending(session, workspace_id, draft.id)
    await session.flush()
    await index_article(session, live)
    await events.emit(
        session,
        workspace_id,
        events.Event.ARTICLE_PUBLISHED,
        {"articleId": str(live.id), "draftId": str(draft.id), "title": live.title},
    )
    return live


async def _publish_in_place(
    session: AsyncSession,
    draft: Article,
    content: ArticleContent | None,
    author_key_id: uuid.UUID | None,
) -> Article:
    if content is not None:
        apply_content(draft, content)
    draft.is_draft = False
    draft.version += 1
    record_version(session, draft, Change.PUBLISH, author_key_id)
    await session.flush()
    return draft


async def _merge_into_original(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    draft: Article,
    content: ArticleContent | None,
    author_key_id: uuid.UUID | None,
) -> Article:
    assert draft.original_article_id is not None
    original = await find_article(session, workspace_id, draft.original_article_id, lock=True)
    if original is None:
        raise Conflict(
            f"the original article {draft.original_article_id} of draft {draft.id} was deleted; "
            "create a new draft or article from this one instead"
        )
    apply_content(original, content or content_of(draft))
    original.version += 1
    record_version(session, original, Change.PUBLISH, author_key_id, from_article_id=draft.id)
    draft.is_draft_published = True
    await move_links(session, workspace_id, draft, original)
    await session.flush()
    return original


async def unpublish(
    session: AsyncSession, workspace_id: uuid.UUID, article_id: uuid.UUID
) -> Article | None:
    """Take a live article back into a draft (for review; nothing is erased): it stops being
    answerable at once. None when it is gone or already a draft."""
    article = await find_article(session, workspace_id, article_id, lock=True)
    if article is None or article.is_draft:
        return None
    article.is_draft = True
    article.version += 1
    record_version(session, article, Change.UPDATE, None)
    await session.flush()
    await index_article(session, article)
    return article
