"""Provider resources: discovery (network between two short reads) and registration."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.connectors import service as connections
from kbsmith.connectors.base import ConnectorError, DiscoveredNode
from kbsmith.db.base import table_of
from kbsmith.db.database import Database
from kbsmith.db.dialect import insert_ignoring_conflicts
from kbsmith.db.scoping import in_workspace
from kbsmith.errors import FIELD, InvalidInput
from kbsmith.fetching import FetchPolicy
from kbsmith.providers import CONNECTED_PROVIDERS, Provider
from kbsmith.sources.models import Source
from kbsmith.sources.service import IngestOutcome


@dataclass(frozen=True)
class ResourceInput:
    external_id: str
    title: str = ""
    original_url: str = ""
    mime_type: str = ""
    object_type: str = ""


def require_connectable(provider: Provider) -> None:
    if provider not in CONNECTED_PROVIDERS:
        choices = ", ".join(sorted(CONNECTED_PROVIDERS))
        raise InvalidInput(f"{FIELD} must be one of {choices}", "provider")


async def discover(
    db: Database,
    policy: FetchPolicy,
    secret_key: bytes,
    workspace_id: uuid.UUID,
    provider: Provider,
) -> list[DiscoveredNode]:
    """The provider's resources as it shows them, hiding those imported successfully."""
    require_connectable(provider)
    async with db.read() as session:
        credentials = await connections.load_credentials(
            session, workspace_id, provider, secret_key
        )
    connector = connections.build_connector(credentials, policy)
    try:
        found = await connector.discover()
    except ConnectorError as error:
        raise InvalidInput(f"{provider.value}: {error.message}") from None
    finally:
        await connector.aclose()
    async with db.read() as session:
        imported = await imported_external_ids(session, workspace_id, provider)
    return connector.arrange([r for r in found if not (r.importable and r.external_id in imported)])


async def imported_external_ids(
    session: AsyncSession, workspace_id: uuid.UUID, provider: Provider
) -> set[str]:
    query = select(Source.external_id).where(
        in_workspace(Source, workspace_id),
        Source.provider == provider.value,
        Source.success.is_(True),
    )
    return set((await session.execute(query)).scalars())


async def register(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    provider: Provider,
    resources: Sequence[ResourceInput],
) -> IngestOutcome:
    """Create or update source records for provider resources; nothing is queued."""
    require_connectable(provider)
    await connections.require_connected(session, workspace_id, provider)
    unique = {r.external_id: r for r in resources}
    if not unique:
        raise InvalidInput(f"{FIELD} must be a non-empty array", "resources")
    existing = await _by_external_id(session, workspace_id, provider, list(unique))
    await insert_ignoring_conflicts(
        session,
        table_of(Source),
        [
            {
                "id": uuid.uuid4(),
                "workspace_id": workspace_id,
                "provider": provider.value,
                "identity": external_id,
                "external_id": external_id,
            }
            for external_id in unique
            if external_id not in existing
        ],
        ["workspace_id", "provider", "identity"],
    )
    records = await _by_external_id(session, workspace_id, provider, list(unique))
    for external_id, resource in unique.items():
        source = records[external_id]
        source.title = resource.title or source.title
        source.original_url = resource.original_url or source.original_url
        source.mime_type = resource.mime_type or source.mime_type
        source.object_type = resource.object_type or source.object_type
    return IngestOutcome(
        added=[records[i].id for i in unique if i not in existing],
        updated=[records[i].id for i in unique if i in existing],
    )


async def _by_external_id(
    session: AsyncSession, workspace_id: uuid.UUID, provider: Provider, external_ids: list[str]
) -> dict[str, Source]:
    query = select(Source).where(
        in_workspace(Source, workspace_id),
        Source.provider == provider.value,
        Source.identity.in_(external_ids),
    )
    return {s.identity: s for s in (await session.execute(query)).scalars()}
