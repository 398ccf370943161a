"""Everything a decision needs, read in one short transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.scoping import get_owned, in_workspace
from kbsmith.errors import DomainError
from kbsmith.extraction import split_markdown
from kbsmith.generation.index import CandidateIndex
from kbsmith.generation.inputs import origin_of
from kbsmith.generation.linklists import is_link_list, page_link_texts
from kbsmith.generation.request import GenerationRequest
from kbsmith.generation.retrieval import FolderRow
from kbsmith.generation.shortlist import WorkspaceIndex
from kbsmith.generation.sites import page_names, provider_name, site_name
from kbsmith.generation.text import clean_title, first_heading, title_from_line, without_title
from kbsmith.jobs.errors import PermanentJobError
from kbsmith.knowledge import agents
from kbsmith.knowledge.models import Folder
from kbsmith.sources import blobs, linking
from kbsmith.sources.models import Source

SITE_PAGES = 5
"""Other pages of a site whose titles are read to find the name they share."""


@dataclass(frozen=True)
class SourceState:
    id: uuid.UUID
    url: str
    label: str
    linked_knowledge_id: uuid.UUID | None
    unchanged: bool
    generated_text: str
    content_hash: str
    origin: str
    pending_draft_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Gathered:
    title: str
    paragraphs: list[str]
    source: SourceState | None
    folders: list[FolderRow]
    folder_scope: set[uuid.UUID] | None
    snapshot_at: datetime
    candidates: WorkspaceIndex
    page_links: frozenset[str] | None = None
    """The texts of the page's links, when its paragraphs look like a list of links."""


async def gather(
    session: AsyncSession,
    index: CandidateIndex,
    workspace_id: uuid.UUID,
    request: GenerationRequest,
    snapshot_at: datetime,
) -> Gathered:
    """What a job decides from; *snapshot_at*: a time before anything here was read (an
    article created after it may be missing, and is checked again when saving)."""
    source = await _source(session, workspace_id, request.document_id)
    title, paragraphs = _content(request, source)
    if not paragraphs:
        raise PermanentJobError("there is no content to generate knowledge from")
    scope = await _folder_scope(session, workspace_id, request.bot_id)
    candidates = await index.refresh(session, workspace_id)
    folders = await folder_rows(session, workspace_id, scope)
    return Gathered(
        title=title,
        paragraphs=paragraphs,
        source=await _state(session, source, first_folder=not folders) if source else None,
        folders=folders,
        folder_scope=scope,
        snapshot_at=snapshot_at,
        candidates=candidates,
        page_links=await _page_links(session, source, paragraphs)
        if source and request.candidate_knowledge is None
        else None,
    )


async def _page_links(
    session: AsyncSession, source: Source, paragraphs: list[str]
) -> frozenset[str] | None:
    """Read from the kept HTML only for a page that looks like a list of links."""
    if not is_link_list(paragraphs):
        return None
    raw = await blobs.load_raw(session, source.id)
    return page_link_texts(*raw) if raw else None


async def _source(
    session: AsyncSession, workspace_id: uuid.UUID, source_id: uuid.UUID | None
) -> Source | None:
    if source_id is None:
        return None
    source = await get_owned(session, Source, workspace_id, source_id)
    if source is None:
        raise PermanentJobError(f"document {source_id} no longer exists")
    return source


def _content(request: GenerationRequest, source: Source | None) -> tuple[str, list[str]]:
    host = urlsplit(source.original_url or "").hostname or "" if source else ""
    if request.candidate_knowledge is not None:
        paragraphs = split_markdown(request.candidate_knowledge)
        title = (source.title if source else "") or first_heading(paragraphs)
        if title:
            return title, without_title(paragraphs, title, clean_title(title, host)) or paragraphs
        return text_title(paragraphs), paragraphs
    if source is None or not source.paragraphs:
        raise PermanentJobError("the document has no successfully ingested content")
    body = without_title(source.paragraphs, source.title, clean_title(source.title, host))
    return source.title, body or list(source.paragraphs)


def text_title(paragraphs: list[str]) -> str:
    """A pasted text's title: its first heading, else its first line's first sentence."""
    if heading := first_heading(paragraphs):
        return heading
    return title_from_line(paragraphs[0].splitlines()[0]) if paragraphs else ""


async def _label(session: AsyncSession, source: Source, first_folder: bool) -> str:
    """The site's host or the provider's name; for a first folder, the site's name as its
    pages declare it or their titles say it (read from their raw HTML only then)."""
    host = urlsplit(source.original_url).hostname if source.original_url else None
    if source.provider != "web" or not host:
        return provider_name(source.provider)
    if not first_folder:
        return host
    prefixes = [f"{scheme}://{host}" for scheme in ("https", "http")]
    others = await session.scalars(
        select(Source.id)
        .where(
            in_workspace(Source, source.workspace_id),
            Source.provider == "web",
            Source.id != source.id,
            or_(*(Source.original_url.startswith(p, autoescape=True) for p in prefixes)),
        )
        .limit(SITE_PAGES)
    )
    names = [await _page_names(session, i) for i in [source.id, *others]]
    declared = next((site for site, _ in names if site), "")
    titles = [title for _, title in names if title] or [source.title]
    return site_name(titles[0], titles[1:], host, declared)


async def _page_names(session: AsyncSession, source_id: uuid.UUID) -> tuple[str, str]:
    raw = await blobs.load_raw(session, source_id)
    return page_names(*raw) if raw else ("", "")


async def _state(session: AsyncSession, source: Source, first_folder: bool) -> SourceState:
    return SourceState(
        id=source.id,
        url=source.original_url,
        label=await _label(session, source, first_folder),
        linked_knowledge_id=source.linked_knowledge_id,
        unchanged=await linking.up_to_date(session, source.id),
        generated_text=source.generated_text,
        content_hash=source.content_hash,
        origin=origin_of(source.provider, source.original_url),
        pending_draft_id=source.pending_draft_id,
    )


async def _folder_scope(
    session: AsyncSession, workspace_id: uuid.UUID, bot_id: uuid.UUID | None
) -> set[uuid.UUID] | None:
    if bot_id is None:
        return None
    try:
        return await agents.visible_folder_ids(session, workspace_id, bot_id)
    except DomainError as error:
        raise PermanentJobError(error.message) from None


async def folder_rows(
    session: AsyncSession, workspace_id: uuid.UUID, scope: set[uuid.UUID] | None
) -> list[FolderRow]:
    rows = (
        await session.execute(
            select(Folder.id, Folder.title, Folder.parent_folder_id).where(
                in_workspace(Folder, workspace_id), Folder.active.is_(True)
            )
        )
    ).all()
    titles = {row[0]: (row[1], row[2]) for row in rows}

    def path(folder_id: uuid.UUID) -> str:
        parts: list[str] = []
        seen: set[uuid.UUID] = set()
        current: uuid.UUID | None = folder_id
        while current is not None and current in titles and current not in seen:
            seen.add(current)
            parts.append(titles[current][0])
            current = titles[current][1]
        return "/".join(reversed(parts))

    return [FolderRow(i, t, path(i)) for i, (t, _) in titles.items() if scope is None or i in scope]
