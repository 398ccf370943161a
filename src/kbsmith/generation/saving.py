"""Applying a decision: write the article (draft or live), link the source, record the job."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.generation.gathering import SourceState
from kbsmith.generation.inputs import Decision, WrittenArticle
from kbsmith.generation.merge import Conflict, merge3, split_paragraphs, union
from kbsmith.generation.operations import Operation
from kbsmith.generation.request import GenerationRequest
from kbsmith.knowledge import articles, folders, publishing
from kbsmith.knowledge.content import FOLDER_TITLE_MAX_CHARS, LIST_MAX_ITEMS, ArticleContent
from kbsmith.knowledge.links import link_sources
from kbsmith.knowledge.models import Article
from kbsmith.sources import linking


@dataclass(frozen=True)
class Saved:
    operation: Operation
    article_id: uuid.UUID | None
    target_id: uuid.UUID | None
    reason: str
    conflicts: tuple[Conflict, ...] = ()
    draft_id: uuid.UUID | None = None
    """The draft that holds the source's version of the conflicts."""
    written: Article | None = field(default=None, compare=False, repr=False)
    """The article this transaction wrote (``article_id``'s), not read again to record."""

    async def article(self, session: AsyncSession, workspace_id: uuid.UUID) -> Article:
        """The article of ``article_id``, else of ``target_id``."""
        article_id = self.article_id or self.target_id
        assert article_id is not None
        if self.written is not None and self.written.id == article_id:
            return self.written
        return await articles.get_article(session, workspace_id, article_id)

    def as_result(self, extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "operation": self.operation.value,
            "hcArticleId": str(self.article_id) if self.article_id else None,
            "targetArticleId": str(self.target_id) if self.target_id else None,
            "reason": self.reason,
            "conflicts": [conflict.as_json() for conflict in self.conflicts],
            "conflictDraftId": str(self.draft_id) if self.draft_id else None,
            **extra,
        }


async def save(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    request: GenerationRequest,
    decision: Decision,
    written: WrittenArticle | None,
    source: SourceState | None,
    job_id: uuid.UUID | None = None,
) -> Saved:
    if decision.operation is Operation.ADD:
        assert written is not None
        saved = await _add(session, workspace_id, request, decision, written)
    elif decision.operation is Operation.UPDATE:
        assert written is not None and decision.target is not None
        saved = await _update(session, workspace_id, request, decision, written, source, job_id)
    elif decision.target is None:  # nothing to write, nothing it belongs to (a list of links)
        return await _nothing_at_all(session, workspace_id, decision, source)
    else:
        saved = await _nothing(session, workspace_id, request, decision)
    await _record_generation(session, workspace_id, saved, source, job_id)
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
    return Saved(Operation.ADD, article.id, None, decision.reason, written=article)


async def _new_folder(session: AsyncSession, workspace_id: uuid.UUID, title: str) -> uuid.UUID:
    """The first folder, created once: a job that decided on an empty workspace while another
    was creating it (both saw no folder) files into that one. Saving holds the workspace's
    knowledge lock, so the second job sees the first one's folder here."""
    title = title[:FOLDER_TITLE_MAX_CHARS]
    folder = await folders.find_top_folder(session, workspace_id, title)
    if folder is None:
        folder = await folders.create_folder(session, workspace_id, title)
    return folder.id


async def _update(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    request: GenerationRequest,
    decision: Decision,
    written: WrittenArticle,
    source: SourceState | None,
    job_id: uuid.UUID | None,
) -> Saved:
    assert decision.target is not None
    current = await articles.get_article(
        session, workspace_id, decision.target.candidate.id, lock=True
    )
    base = source.generated_text if source and decision.target.linked else ""
    merged = merged_content(current, written, base)
    conflicts = merged.conflicts
    reason = decision.reason + _conflict_note(len(conflicts))
    forked = request.is_draft and not current.is_draft
    # A fork is what the reviewer publishes: it holds the source's version of conflicts.
    content = merged.proposed if forked else merged.content
    article = await _write_update(session, workspace_id, request, current, content)
    draft: Article | None = None
    if conflicts and source is not None:
        draft = (
            article
            if forked
            else await _conflict_draft(
                session, workspace_id, request, article, merged.proposed, source
            )
        )
        draft.record_generation(
            generation_record(
                job_id,
                Operation.UPDATE,
                reason,
                [source.id],
                conflicts,
                live_merged=draft.id != article.id,
            )
        )
    return Saved(
        Operation.UPDATE,
        article.id,
        current.id,
        reason,
        tuple(conflicts),
        draft.id if draft else None,
        written=article,
    )


def _conflict_note(count: int) -> str:
    if not count:
        return ""
    return (
        f"; {count} paragraph(s) changed both by a person and at the source: the person's text "
        "was kept, the source's version awaits review in a draft"
    )


async def _conflict_draft(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    request: GenerationRequest,
    article: Article,
    proposed: ArticleContent,
    source: SourceState,
) -> Article:
    """The draft that holds the source's version for the reviewer: a fork of the live
    article (the one still pending from an earlier job, rewritten), or the article itself
    when it is a draft (a draft cannot be forked; its ``generation`` lists the conflicts)."""
    if article.is_draft:
        return article
    if source.pending_draft_id is not None:
        pending = await articles.find_article(session, workspace_id, source.pending_draft_id)
        if pending and pending.is_pending_draft and pending.original_article_id == article.id:
            return await articles.update_article(session, workspace_id, pending.id, proposed)
    return await publishing.fork_draft(
        session, workspace_id, article.id, proposed, origin=request.origin, source_ids=[source.id]
    )


def generation_record(
    job_id: uuid.UUID | None,
    operation: Operation,
    reason: str,
    source_ids: Sequence[uuid.UUID],
    conflicts: Sequence[Conflict] = (),
    *,
    live_merged: bool = False,
) -> dict[str, Any]:
    """What a draft records of the job that wrote it (the Review API's ``generation``).
    ``live_merged``: the draft holds the source's side of conflicts beside a live article
    the job already updated (dismissing it keeps the live article as generated)."""
    return {
        "job_id": str(job_id) if job_id else None,
        "operation": operation.value,
        "reason": reason,
        "source_ids": [str(source_id) for source_id in source_ids],
        "conflicts": [conflict.as_json() for conflict in conflicts],
        "live_merged": live_merged,
    }


async def _record_generation(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    saved: Saved,
    source: SourceState | None,
    job_id: uuid.UUID | None,
) -> None:
    """Every draft or no-op record the job wrote says why it exists (a conflict draft
    already does, with its conflicts)."""
    if saved.article_id is None or saved.draft_id is not None:
        return
    article = await saved.article(session, workspace_id)
    if article.is_pending_draft:
        source_ids = [source.id] if source is not None else []
        article.generation = generation_record(job_id, saved.operation, saved.reason, source_ids)
        await session.flush()  # a later get_article (populate_existing) would drop it


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


async def _nothing_at_all(
    session: AsyncSession, workspace_id: uuid.UUID, decision: Decision, source: SourceState | None
) -> Saved:
    """No article has or will have this content: the source says why, and that its content
    was generated from (it is not generated again until it changes)."""
    saved = Saved(Operation.NOTHING, None, None, decision.reason)
    if source is not None and source.linked_knowledge_id is None:
        outcome = linking.Generated(
            None, saved.operation.value, saved.reason, source.content_hash, None
        )
        await linking.record_generation(session, workspace_id, source.id, outcome)
    return saved


@dataclass(frozen=True)
class Merged:
    content: ArticleContent
    """The article with the person's text at conflicts."""
    proposed: ArticleContent
    """The article with the source's text at conflicts."""
    conflicts: list[Conflict]


def merged_content(current: Article, written: WrittenArticle, base: str) -> Merged:
    """Merge the new text into the article as it is now; a person's edit is never lost, nor
    a source change the person did not touch."""
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
    proposed = replace(content, main_knowledge=result.proposed_text)
    return Merged(content, proposed, result.conflicts)


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
    article = await saved.article(session, workspace_id)
    await link_sources(session, workspace_id, article, [state.id])
    generated = linking.Generated(
        article_id=article.id,
        operation=saved.operation.value,
        reason=saved.reason,
        content_hash=state.content_hash,
        text=written.main_knowledge if written is not None else None,
        review_draft_id=article.id if _replaces_knowledge(saved, article) else None,
        conflict_draft_id=saved.draft_id if saved.conflicts else None,
    )
    await linking.record_generation(session, workspace_id, state.id, generated)


def _replaces_knowledge(saved: Saved, article: Article) -> bool:
    """The source's article is a draft waiting for a reviewer, who may dismiss it (its
    source then gets back what the draft replaced). A no-op record forked from a live
    article replaces nothing: the live article already says it."""
    no_op_record = saved.operation is Operation.NOTHING and saved.article_id is not None
    return article.is_pending_draft and not no_op_record
