"""Deletions upstream: which of a schedule's provider documents are gone (asked of the
connectors, outside any transaction), and what becomes of their records (in the run's)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.connectors.base import ConnectorError, ResourceRef
from kbsmith.connectors.service import build_connector, load_credentials
from kbsmith.db.database import Database
from kbsmith.errors import InvalidInput
from kbsmith.fetching import FetchError
from kbsmith.knowledge.publishing import unpublish
from kbsmith.providers import CONNECTED_PROVIDERS, Provider
from kbsmith.runtime import Runtime
from kbsmith.sources.models import Source
from kbsmith.sources.service import record_failed_ingestion
from kbsmith.sources.tasks import source_event_data
from kbsmith.webhooks import events

log = structlog.get_logger(__name__)

DELETED_UPSTREAM = "deleted upstream"


@dataclass(frozen=True)
class Target:
    id: uuid.UUID
    provider: Provider
    ref: ResourceRef


def is_deleted_upstream(source: Source) -> bool:
    return source.success is False and source.error == DELETED_UPSTREAM


def targets_of(sources: Sequence[Source]) -> list[Target]:
    return [
        Target(
            s.id,
            Provider(s.provider),
            ResourceRef(s.external_id, s.object_type, s.original_url, s.extra),
        )
        for s in sources
        if Provider(s.provider) in CONNECTED_PROVIDERS
    ]


async def gone_upstream(
    db: Database, runtime: Runtime, workspace_id: uuid.UUID, targets: Sequence[Target]
) -> set[uuid.UUID]:
    """The targets their provider no longer has. A provider that cannot be asked (not
    connected, failing) marks nothing: a deletion is only recorded when the provider says so."""
    by_provider: dict[Provider, list[Target]] = defaultdict(list)
    for target in targets:
        by_provider[target.provider].append(target)
    gone: set[uuid.UUID] = set()
    for provider, group in by_provider.items():
        async with db.read() as session:
            try:
                credentials = await load_credentials(
                    session, workspace_id, provider, runtime.settings.resolved_secret_key
                )
            except (InvalidInput, ValueError) as error:
                log.warning("deletions not swept", provider=provider.value, reason=str(error))
                continue
        connector = build_connector(credentials, runtime.policy)
        try:
            existing = await connector.existing_ids([t.ref for t in group])
        except (ConnectorError, FetchError) as error:
            log.warning("deletions not swept", provider=provider.value, reason=str(error))
            continue
        finally:
            await connector.aclose()
        gone.update(t.id for t in group if t.ref.external_id not in existing)
    return gone


async def mark_deleted(session: AsyncSession, source: Source, *, unpublish_article: bool) -> None:
    """The source ends FAILED "deleted upstream" (its content is kept); with
    ``unpublish_article`` its live article goes back to a draft for review."""
    await record_failed_ingestion(session, source, DELETED_UPSTREAM)
    await events.emit(
        session, source.workspace_id, events.Event.SOURCE_FAILED, source_event_data(source)
    )
    if unpublish_article and source.linked_knowledge_id is not None:
        draft = await unpublish(session, source.workspace_id, source.linked_knowledge_id)
        if draft is not None:
            await events.emit(
                session,
                source.workspace_id,
                events.Event.DRAFT_CREATED,
                {
                    "articleId": str(draft.id),
                    "title": draft.title,
                    "documentId": str(source.id),
                    "reason": f"its source was {DELETED_UPSTREAM}",
                },
            )
