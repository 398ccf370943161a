"""Applying a decision: write the article (draft or live), link the source, record the job."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.generation.gathering import SourceState
from kbsmith.generation.inputs import Decision, WrittenArticle
from kbsmith.generation.merge import merge3, split_paragraphs, union
from kbsmith.generation.operations import Operation
from kbsmith.generation.request import GenerationRequest
from kbsmith.knowledge import articles, folders, publishing
from kbsmith.knowledge.content import LIST_MAX_ITEMS, ArticleContent
from kbsmith.knowledge.links import link_sources
from kbsmith.knowledge.models import Article
from kbsmith.sources.models import Source


@dataclass(frozen=True)
class Saved:
    operation: Operation
    article_id: uuid.UUID | None
    target_id: uuid.UUID | None
    reason: str

    def as_result(self, extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "operation": self.operation.value,
            "hcArticleId": str(self.article_id) if self.article_id else None,
            "targetArticleId": str(self.target_id) if self.target_id else None,
            "reason": self.reason,
            **extra,
        }


async def save(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    request: GenerationRequest,
    decision: Decision,
    written: WrittenArticle | None,
    source: SourceState | None,
) -> Saved:
    if decision.operation is Operation.ADD:
        assert written is not None
        saved = await _add(session, workspace_id, request, decision, written)
    elif decision.operation is Operation.UPDATE:
        assert written is not None and decision.target is not None
        saved = await _update(session, workspace_id, request, decision, written, source)
    else:
        assert decision.target is not None
        saved = await _nothing(session, workspace_id, request, decision)
    if source is not None:
        await _sync_source(session, workspace_id, saved, source, written)
    return saved


async def _add(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    request: GenerationRequest,
    decision: Decision,
    written: WrittenArticle,
) -> Saved:
    folder_id = (
        decision.folder.id
        if decision.folder
        else await _new_folder(session, workspace_id, decision.new_folder_title or "Knowledge base")
    )
    article = await articles.create_article(
        session,
        workspace_id,
        _content(written),
        parent_folder_id=folder_id,
        is_draft=request.is_draft,
        origin=request.origin,
    )
    return Saved(Operation.ADD, article.id, None, decision.reason)


async def _new_folder(session: AsyncSession, workspace_id: uuid.UUID, title: str) -> uuid.UUID:
    folder = await folders.create_folder(session, workspace_id, title[:500])
    return folder.id


async def _update(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    request: GenerationRequest,
    decision: Decision,
    written: WrittenArticle,
    source: SourceState | None,
) -> Saved:
    assert decision.target is not None
    current = await articles.get_article(
        session, workspace_id, decision.target.candidate.id, lock=True
    )
    base = source.generated_text if source and decision.target.linked else ""
    content, conflicts = merged_content(current, written, base)
    reason = decision.reason + (
        f"; {conflicts} paragraph(s) edited by a person and changed at the source: the person's "
        "text was kept, review the source's new wording"
        if conflicts
        else ""
    )
    article = await _write_update(session, workspace_id, request, current, content)
    return Saved(Operation.UPDATE, article.id, current.id, reason)


async def _write_update(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    request: GenerationRequest,
    current: Article,
    content: ArticleContent,
) -> Article:
    if current.is_draft and not request.is_draft:
        return await publishing.publish_draft(session, workspace_id, current.id, content)
    if current.is_draft or not request.is_draft:
        return await articles.update_article(session, workspace_id, current.id, content)
    return await publishing.fork_draft(
        session, workspace_id, current.id, content, origin=request.origin
    )


async def _nothing(
    session: AsyncSession, workspace_id: uuid.UUID, request: GenerationRequest, decision: Decision
) -> Saved:
    target = decision.target
    assert target is not None
    if request.is_draft and not target.candidate.is_draft:
        record = await publishing.fork_draft(
            session, workspace_id, target.candidate.id, origin=request.origin
        )
        return Saved(Operation.NOTHING, record.id, target.candidate.id, decision.reason)
    return Saved(Operation.NOTHING, None, target.candidate.id, decision.reason)


def merged_content(
    current: Article, written: WrittenArticle, base: str
) -> tuple[ArticleContent, int]:
    """Merge the new text into the article as it is now; a person's edit is never lost."""
    ours = split_paragraphs(current.main_knowledge)
    theirs = split_paragraphs(written.main_knowledge)
    result = merge3(split_paragraphs(base), ours, theirs) if base else union(ours, theirs)
    content = ArticleContent(
        title=current.title,
        main_knowledge=result.text,
        questions=_merged_list(current.questions, written.questions),
        keywords=_merged_list(current.keywords, written.keywords),
        agent_instruction=current.agent_instruction or written.agent_instruction,
        escalation=current.escalation,
        active=current.active,
        public=current.public,
    )
    return content, len(result.conflicts)


def _merged_list(ours: list[str], theirs: list[str]) -> list[str]:
    return list(dict.fromkeys([*ours, *theirs]))[:LIST_MAX_ITEMS]


def _content(written: WrittenArticle) -> ArticleContent:
    return ArticleContent(
        title=written.title,
        main_knowledge=written.main_knowledge,
        questions=written.questions,
        keywords=written.keywords,
        agent_instruction=written.agent_instruction,
        escalation=written.escalation,
    )


async def _sync_source(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    saved: Saved,
    state: SourceState,
    written: WrittenArticle | None,
) -> None:
    linked_id = saved.article_id or saved.target_id
    assert linked_id is not None
    article = await articles.get_article(session, workspace_id, linked_id)
    await link_sources(
        session,
        workspace_id,
        article,
        [state.id],
        operation=saved.operation.value,
        reason=saved.reason,
    )
    generated: dict[str, object] = {"generated_hash": state.content_hash}
    if written is not None:
        generated["generated_text"] = written.main_knowledge
    await session.execute(
        update(Source)
        .where(Source.id == state.id)
        .values(**generated)
        .execution_options(synchronize_session=False)
    )
