"""The sources' side of their links to knowledge, and what knowledge was generated from them.

Only this module writes ``linked_*``, ``generated_*`` and ``pending_*`` of ``sources``; the
knowledge package (links, publishing, review) and generation's saving call it. ``changed``
and the other states a reader filters on are defined here once, as SQL expressions.

The life of a generation: a job that writes live knowledge advances ``generated_hash`` and
``generated_text`` at once. A job whose result waits for a reviewer in a draft (a new draft, a
fork of a live article, or the draft holding the source's side of a merge conflict) holds them
in ``pending_*`` beside ``pending_draft_id``: publishing that draft settles them into
``generated_*``; dismissing it drops them, so the source is ``changed`` again.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.scoping import in_workspace
from kbsmith.sources.models import Source

CHANGED: ColumnElement[bool] = and_(
    Source.linked_knowledge_id.is_not(None), Source.content_hash != Source.generated_hash
)
"""The source's content changed since the live knowledge linked to it was generated."""

AWAITING_REVIEW: ColumnElement[bool] = and_(
    Source.pending_draft_id.is_not(None), Source.pending_hash == Source.content_hash
)
"""The source's current content was generated into a draft that waits for a reviewer."""

UP_TO_DATE: ColumnElement[bool] = or_(
    and_(Source.generated_hash != "", Source.generated_hash == Source.content_hash),
    and_(Source.pending_draft_id == Source.linked_knowledge_id, AWAITING_REVIEW),
)
"""The source's own article already says its current content (live, or in its own draft)."""

MERGE_BASE: ColumnElement[str] = case(
    (Source.pending_draft_id == Source.linked_knowledge_id, Source.pending_text),
    else_=Source.generated_text,
)
"""The text the source's own article was generated from: the base of its next merge."""

NEEDS_GENERATION: ColumnElement[bool] = and_(
    Source.content_hash != "", Source.content_hash != Source.generated_hash, ~AWAITING_REVIEW
)
"""Ingested content no knowledge was generated from yet (nor waits for review)."""


@dataclass(frozen=True)
class Generated:
    """What one generation job made of a source."""

    article_id: uuid.UUID
    """The article the source now links to."""
    operation: str
    reason: str
    content_hash: str
    text: str | None
    """The article text generated from it (None when nothing was written: a no-op)."""
    review_draft_id: uuid.UUID | None
    """The draft that holds it until a reviewer publishes or dismisses it (None: live)."""


async def link(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    source_ids: Collection[uuid.UUID],
    article_id: uuid.UUID,
    *,
    operation: str | None = None,
    reason: str | None = None,
) -> None:
    """The sources were used for this article (``linkedOperation``/``linkedReason`` when
    given)."""
    values: dict[str, object] = {"linked_knowledge_id": article_id}
    if operation is not None:
        values |= {"linked_operation": operation, "linked_reason": reason}
    await _update(session, workspace_id, Source.id.in_(list(source_ids)), values)


async def record_generation(
    session: AsyncSession, workspace_id: uuid.UUID, source_id: uuid.UUID, generated: Generated
) -> None:
    """A job generated knowledge from the source's content ``generated.content_hash``."""
    await link(
        session,
        workspace_id,
        [source_id],
        generated.article_id,
        operation=generated.operation,
        reason=generated.reason,
    )
    values: dict[str, object]
    if generated.review_draft_id is not None:
        draft = generated.review_draft_id
        values = {
            "pending_draft_id": draft,
            "pending_hash": generated.content_hash,
            # a no-op keeps the text that draft (or the live article) was generated from
            "pending_text": generated.text
            if generated.text is not None
            else case(
                (Source.pending_draft_id == draft, Source.pending_text),
                else_=Source.generated_text,
            ),
        }
    else:
        values = {
            "generated_hash": generated.content_hash,
            "pending_draft_id": None,
            "pending_hash": "",
            "pending_text": "",
        }
        if generated.text is not None:
            values["generated_text"] = generated.text
    await _update(session, workspace_id, Source.id == source_id, values)


async def relink(
    session: AsyncSession, workspace_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID
) -> None:
    """Sources linked to one article now link to another (a draft merged into its original)."""
    values = {"linked_knowledge_id": to_id}
    await _update(session, workspace_id, Source.linked_knowledge_id == from_id, values)


async def settle_pending(
    session: AsyncSession, workspace_id: uuid.UUID, draft_id: uuid.UUID
) -> None:
    """A reviewer published the draft (or, for a conflict beside a live article that holds the
    merge, dismissed it): its sources now count as generated from the content the draft was
    written from (``changed`` clears unless the content changed again since), and that text is
    the base of their next merge."""
    values = {
        "generated_hash": Source.pending_hash,
        "generated_text": Source.pending_text,
        "pending_draft_id": None,
        "pending_hash": "",
        "pending_text": "",
    }
    await _update(session, workspace_id, Source.pending_draft_id == draft_id, values)


async def release_pending(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    draft_id: uuid.UUID,
    original_id: uuid.UUID | None,
) -> None:
    """A reviewer dismissed a draft that never reached live knowledge: its sources keep what
    the live knowledge was generated from (so they are ``changed`` while they differ), and
    those linked to a fork link to its original again."""
    values = {"pending_draft_id": None, "pending_hash": "", "pending_text": ""}
    await _update(session, workspace_id, Source.pending_draft_id == draft_id, values)
    if original_id is not None:
        await relink(session, workspace_id, draft_id, original_id)


async def forget_articles(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    article_ids: Collection[uuid.UUID] | Select[uuid.UUID],
) -> None:
    """Before articles are deleted: their sources no longer link to any knowledge."""
    values = {"linked_knowledge_id": None, "linked_operation": None, "linked_reason": None}
    await _update(session, workspace_id, Source.linked_knowledge_id.in_(article_ids), values)


async def _update(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    which: ColumnElement[bool],
    values: Mapping[str, object],
) -> None:
    await session.execute(
        update(Source)
        .where(in_workspace(Source, workspace_id), which)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def generation_state(session: AsyncSession, source_id: uuid.UUID) -> tuple[bool, str]:
    """Whether the source's own article is up to date with it, and that article's merge base."""
    row = (
        await session.execute(select(UP_TO_DATE, MERGE_BASE).where(Source.id == source_id))
    ).one()
    return bool(row[0]), str(row[1])
