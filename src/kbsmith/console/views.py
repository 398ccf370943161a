"""What each console page shows, read through the services the API uses (the few reads no
API route needs, such as the jobs summary, are here, never in the HTTP code)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.pagination import Direction, Page
from kbsmith.db.scoping import in_workspace
from kbsmith.generation.service import GENERATE_JOB, JobReport, job_reports
from kbsmith.jobs.models import Job
from kbsmith.knowledge import articles, history, review
from kbsmith.knowledge.diff import Change, Op, diff_texts
from kbsmith.knowledge.models import Article, ArticleVersion, Folder
from kbsmith.knowledge.review import QueueFilters
from kbsmith.sources.models import Source

QUEUE_PAGE = 50
RECENT_JOBS = 50


@dataclass(frozen=True)
class QueueItem:
    id: uuid.UUID
    title: str
    operation: str
    reason: str
    folder: str
    updated_at: datetime
    conflicts: int


@dataclass(frozen=True)
class QueueView:
    items: list[QueueItem]
    counts: dict[str, int]
    folders: list[tuple[uuid.UUID, str]]
    has_more: bool
    direction: Direction
    cursor: uuid.UUID | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def older(self) -> uuid.UUID | None:
        more = self.has_more or self.direction is Direction.PREVIOUS
        return self.items[-1].id if self.items and more else None

    @property
    def newer(self) -> uuid.UUID | None:
        more = self.cursor is not None and (self.direction is Direction.NEXT or self.has_more)
        return self.items[0].id if self.items and more else None


def _operation(article: Article) -> str:
    return str((article.generation or {}).get("operation") or review.MANUAL)


async def folder_titles(session: AsyncSession, workspace_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(Folder.id, Folder.title).where(in_workspace(Folder, workspace_id))
    )
    return {folder_id: title for folder_id, title in rows}


async def queue(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    filters: QueueFilters,
    cursor: uuid.UUID | None,
    direction: Direction,
) -> QueueView:
    page: Page[Article] = await review.review_queue(
        session, workspace_id, filters, cursor_id=cursor, direction=direction, limit=QUEUE_PAGE
    )
    titles = await folder_titles(session, workspace_id)
    items = [
        QueueItem(
            a.id,
            a.title,
            _operation(a),
            str((a.generation or {}).get("reason") or ""),
            titles.get(a.parent_folder_id, ""),
            a.updated_at,
            len((a.generation or {}).get("conflicts") or []),
        )
        for a in page.items
    ]
    counts = await review.review_counts(session, workspace_id)
    folders = sorted(titles.items(), key=lambda item: item[1].lower())
    return QueueView(items, counts, folders, page.has_more, direction, cursor)


@dataclass(frozen=True)
class Piece:
    """A run of words in a redline: kept, deleted or inserted."""

    op: str
    text: str


@dataclass(frozen=True)
class Row:
    """One paragraph of the side-by-side view."""

    op: str
    before: list[Piece]
    after: list[Piece]
    provenance: str | None = None
    """The source paragraph the proposed paragraph came from, as "title, paragraph n"."""


def redline(change: Change) -> tuple[list[Piece], list[Piece]]:
    """Word-level pieces of a changed paragraph (whole paragraphs otherwise)."""
    if change.op is not Op.CHANGED:
        old_op = "removed" if change.op is Op.REMOVED else "same"
        new_op = "added" if change.op is Op.ADDED else "same"
        return (
            [Piece(old_op, change.before)] if change.before else [],
            [Piece(new_op, change.after)] if change.after else [],
        )
    old, new = (change.before or "").split(" "), (change.after or "").split(" ")
    before: list[Piece] = []
    after: list[Piece] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            before.append(Piece("same", " ".join(old[i1:i2]) + " "))
            after.append(Piece("same", " ".join(new[j1:j2]) + " "))
            continue
        if i2 > i1:
            before.append(Piece("removed", " ".join(old[i1:i2]) + " "))
        if j2 > j1:
            after.append(Piece("added", " ".join(new[j1:j2]) + " "))
    return before, after


@dataclass(frozen=True)
class SourceRef:
    id: uuid.UUID
    title: str
    url: str
    provider: str
    paragraphs: list[str]


@dataclass
class Packet:
    draft: Article
    live: Article | None
    folder: str
    rows: list[Row]
    sources: list[SourceRef]
    conflicts: list[dict[str, str]]
    operation: str
    reason: str
    job_id: str | None
    next_id: uuid.UUID | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        return self.draft.is_pending_draft and self.draft.dismissed_at is None


async def _sources(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[SourceRef]:
    if not ids:
        return []
    rows = await session.scalars(
        select(Source).where(in_workspace(Source, workspace_id), Source.id.in_(ids))
    )
    return [
        SourceRef(s.id, s.title or s.original_url, s.original_url, s.provider, list(s.paragraphs))
        for s in rows
    ]


def _provenance(sources: list[SourceRef]) -> dict[str, str]:
    where: dict[str, str] = {}
    for source in sources:
        for index, paragraph in enumerate(source.paragraphs, start=1):
            where.setdefault(paragraph.strip(), f"{source.title}, paragraph {index}")
    return where


def _source_ids(draft: Article) -> list[uuid.UUID]:
    recorded = [uuid.UUID(i) for i in (draft.generation or {}).get("source_ids") or []]
    return list(dict.fromkeys([*draft.source_ids, *recorded]))


async def packet(session: AsyncSession, workspace_id: uuid.UUID, draft_id: uuid.UUID) -> Packet:
    draft = await articles.get_article(session, workspace_id, draft_id)
    live = None
    if draft.original_article_id is not None:
        live = await articles.find_article(session, workspace_id, draft.original_article_id)
    before = live.main_knowledge if live is not None and draft.is_draft else ""
    if not draft.is_draft:
        before = draft.main_knowledge
    sources = await _sources(session, workspace_id, _source_ids(draft))
    where = _provenance(sources)
    rows = []
    for change in diff_texts(before, draft.main_knowledge):
        old, new = redline(change)
        rows.append(Row(change.op.value, old, new, where.get((change.after or "").strip())))
    generation: dict[str, Any] = draft.generation or {}
    titles = await folder_titles(session, workspace_id)
    following = await review.review_queue(
        session, workspace_id, QueueFilters(), cursor_id=draft.id, limit=1
    )
    return Packet(
        draft=draft,
        live=live,
        folder=titles.get(draft.parent_folder_id, ""),
        rows=rows,
        sources=sources,
        conflicts=list(generation.get("conflicts") or []),
        operation=_operation(draft),
        reason=str(generation.get("reason") or ""),
        job_id=generation.get("job_id"),
        next_id=following.items[0].id if following.items else None,
    )


def apply_choices(text: str, conflicts: list[dict[str, str]], choices: list[str]) -> str:
    """The proposal with the person's text (``ours``) put back where the reviewer chose it;
    the draft holds the source's text (``theirs``) at every conflict."""
    for conflict, choice in zip(conflicts, choices, strict=False):
        if choice == "ours" and conflict["theirs"] in text:
            text = text.replace(conflict["theirs"], conflict["ours"], 1)
    return text


@dataclass(frozen=True)
class JobsView:
    counts: dict[str, int]
    recent: list[JobReport]


async def jobs(session: AsyncSession, workspace_id: uuid.UUID) -> JobsView:
    """Generation jobs of the workspace: how many in each state, and the latest."""
    mine = (in_workspace(Job, workspace_id), Job.kind == GENERATE_JOB)
    rows = await session.execute(select(Job.status, func.count()).where(*mine).group_by(Job.status))
    counts = {str(status): int(count) for status, count in rows}
    ids = list(
        (
            await session.scalars(
                select(Job.id).where(*mine).order_by(Job.created_at.desc()).limit(RECENT_JOBS)
            )
        ).all()
    )
    recent = await job_reports(session, workspace_id, ids) if ids else []
    return JobsView(counts, recent)


@dataclass(frozen=True)
class History:
    article: Article
    versions: list[ArticleVersion]
    rows: list[Row]
    from_version: int | None
    to_version: int | None


async def article_history(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    article_id: uuid.UUID,
    from_version: int | None,
    to_version: int | None,
) -> History:
    article = await articles.get_article(session, workspace_id, article_id)
    versions = await history.article_versions(session, workspace_id, article_id)
    to = to_version or article.version
    start = from_version or max(1, to - 1)
    found = await review.diff(session, workspace_id, article_id, str(start), to)
    rows = [Row(c.op.value, *redline(c)) for c in found.changes]
    return History(article, versions, rows, start, to)


def lines(text: str) -> list[str]:
    """A textarea of one item a line (questions, keywords)."""
    return [line.strip() for line in text.splitlines() if line.strip()]
