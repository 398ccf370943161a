"""The sources' side of their links to knowledge, and what knowledge was generated from them.

Only this module writes ``linked_*``, ``generated_*`` and ``pending_*`` of ``sources``; the
knowledge package (links, publishing, review) and generation's saving call it. ``changed``
and the other states a reader filters on are defined here once, as SQL expressions.

The life of a generation: a save advances ``generated_hash`` and ``generated_text`` (the
contract: a source-backed save clears ``changed``), into live knowledge or into a draft.
A draft remembers in ``pending_*`` what it replaced (the hash and text the live knowledge was
generated from), so that dismissing it restores them and the source is ``changed`` again;
publishing it forgets them. A merge conflict is the exception: the source's side of the
conflict waits in a draft, so its hash and text wait in ``pending_*`` and only publishing
(or dismissing beside a live article that holds the merge) settles them into ``generated_*``.
Which of the two a draft's ``pending_*`` mean follows from the draft: its ``generation``
lists conflicts or not.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, select, update
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
"""The source's current content waits for a reviewer in a merge conflict's draft."""

UP_TO_DATE: ColumnElement[bool] = and_(
    Source.generated_hash != "", Source.generated_hash == Source.content_hash
)
"""Knowledge was generated from the source's current content."""

NEEDS_GENERATION: ColumnElement[bool] = and_(
    Source.content_hash != "", Source.content_hash != Source.generated_hash, ~AWAITING_REVIEW
)
"""Ingested content no knowledge was generated from yet (nor waits for review)."""


@dataclass(frozen=True)
class Generated:
    """What one generation job made of a source."""

    article_id: uuid.UUID | None
    """The article the source now links to (None: the job wrote nothing and the source keeps
    its link, if any: a list of links)."""
    operation: str
    reason: str
    content_hash: str
    text: str | None
    """The article text generated from it (None when nothing was written: a no-op)."""
    review_draft_id: uuid.UUID | None = None
    """The draft it was written into, waiting for a reviewer (None: live knowledge)."""
    conflict_draft_id: uuid.UUID | None = None
    """The draft holding the source's side of a merge conflict: until a reviewer settles
    it, the source counts as generated from what it was before."""


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
    values = _linked(article_id, operation, reason)
    await _update(session, workspace_id, Source.id.in_(list(source_ids)), values)


def _linked(
    article_id: uuid.UUID | None, operation: str | None, reason: str | None
) -> dict[str, object]:
    values: dict[str, object] = {} if article_id is None else {"linked_knowledge_id": article_id}
    if operation is not None:
        values |= {"linked_operation": operation, "linked_reason": reason}
    return values


async def record_generation(
    session: AsyncSession, workspace_id: uuid.UUID, source_id: uuid.UUID, generated: Generated
) -> None:
    """A job generated knowledge from the source's content ``generated.content_hash``: the
    source is linked to the article and records what was generated, in one statement."""
    values = _linked(generated.article_id, generated.operation, generated.reason)
    if generated.conflict_draft_id is not None:
        values |= {
            "pending_draft_id": generated.conflict_draft_id,
            "pending_hash": generated.content_hash,
            "pending_text": generated.text or "",
        }
    else:
        values |= {"generated_hash": generated.content_hash}
        if generated.text is not None:
            values["generated_text"] = generated.text
        draft = generated.review_draft_id
        # the draft remembers what it replaces (a draft rewritten keeps what it first replaced)
        same = Source.pending_draft_id == draft
        values |= {
            "pending_draft_id": draft,
            "pending_hash": case((same, Source.pending_hash), else_=Source.generated_hash)
            if draft
            else "",
            "pending_text": case((same, Source.pending_text), else_=Source.generated_text)
            if draft
            else "",
        }
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
    """A reviewer settled a merge conflict's draft (published it, or dismissed it beside a
    live article that holds the merge): its sources now count as generated from the content
    the draft was written from (``changed`` clears unless the content changed again since),
    and that text is the base of their next merge."""
    values = {
        "generated_hash": Source.pending_hash,
        "generated_text": Source.pending_text,
        "pending_draft_id": None,
        "pending_hash": "",
        "pending_text": "",
    }
    await _update(session, workspace_id, Source.pending_draft_id == draft_id, values)


async def forget_pending(
    session: AsyncSession, workspace_id: uuid.UUID, draft_id: uuid.UUID
) -> None:
    """A reviewer published a draft without conflicts: what it replaced is gone for good."""
    values = {"pending_draft_id": None, "pending_hash": "", "pending_text": ""}
    await _update(session, workspace_id, Source.pending_draft_id == draft_id, values)


async def release_pending(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    draft_id: uuid.UUID,
    original_id: uuid.UUID | None,
    *,
    restore: bool,
) -> None:
    """A reviewer dismissed a draft that never reached live knowledge. A conflict's sources
    keep what the live article was generated from; any other draft's sources get back what
    it replaced (``restore``). Either way they are ``changed`` while the live knowledge lags
    their content, and those linked to a fork link to its original again."""
    values: dict[str, object] = {"pending_draft_id": None, "pending_hash": "", "pending_text": ""}
    if restore:
        values |= {"generated_hash": Source.pending_hash, "generated_text": Source.pending_text}
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


async def up_to_date(session: AsyncSession, source_id: uuid.UUID) -> bool:
    """Whether knowledge was generated from the source's current content."""
    return bool(await session.scalar(select(UP_TO_DATE).where(Source.id == source_id)))
