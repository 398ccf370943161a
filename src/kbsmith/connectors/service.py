"""Connection use cases: check credentials, keep them sealed, open a connector from them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.connectors import sealing
from kbsmith.connectors.base import (
    Connector,
    ConnectorError,
    CredentialsRejected,
    DeletedUpstream,
)
from kbsmith.connectors.models import Connection
from kbsmith.connectors.registry import ProviderSpec, spec_for
from kbsmith.db.scoping import in_workspace
from kbsmith.errors import FIELD, InvalidInput, NotFound
from kbsmith.fetching import FetchPolicy, InvalidUrl, normalize_url
from kbsmith.providers import CONNECTED_PROVIDERS, Provider


@dataclass(frozen=True)
class Credentials:
    provider: Provider
    secrets: dict[str, Any]
    base_url: str | None


def provider_spec(provider: Provider) -> ProviderSpec:
    spec = spec_for(provider) if provider in CONNECTED_PROVIDERS else None
    if spec is None:
        raise InvalidInput(f"provider {provider.value!r} cannot be connected")
    return spec


def parse_credentials(provider: Provider, body: dict[str, Any]) -> Credentials:
    spec = provider_spec(provider)
    base_url = body.pop("baseUrl", None)
    if base_url is not None:
        base_url = _check_base_url(base_url)
    try:
        # strict: a number is not a token, as in every other request body
        secrets = spec.credentials.model_validate(body, strict=True).model_dump(exclude_none=True)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidInput(f"{field}: {first['msg'].removeprefix('Value error, ')}") from None
    return Credentials(provider, secrets, base_url)


def _check_base_url(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{FIELD} must be a URL string", "base_url")
    try:
        normalized = normalize_url(value)
    except InvalidUrl as error:
        raise InvalidInput(f"{FIELD}: {error}", "base_url") from None
    return normalized.rstrip("/")


def build_connector(credentials: Credentials, policy: FetchPolicy) -> Connector:
    return provider_spec(credentials.provider).build(
        credentials.secrets, credentials.base_url, policy
    )


async def verify(credentials: Credentials, policy: FetchPolicy) -> str:
    """One cheap provider call; 400 saying what failed when it does not succeed."""
    connector = build_connector(credentials, policy)
    try:
        return await connector.verify()
    except ConnectorError as error:
        raise InvalidInput(check_failure(credentials.provider, error)) from None
    finally:
        await connector.aclose()


def check_failure(provider: Provider, error: ConnectorError) -> str:
    """Why a connection check failed, in terms of the check (no document is involved)."""
    name = provider.value
    if isinstance(error, CredentialsRejected):
        return f"{name} refused the credentials: {error.reason}"
    if isinstance(error, DeletedUpstream):
        return (
            f"the {name} connection check failed: {error.answer}; check the address "
            f"({ADDRESS_FIELDS.get(provider, 'baseUrl')}): it does not serve the {name} API there"
        )
    return f"the {name} connection check failed: {error.message}"


ADDRESS_FIELDS = {
    Provider.NOTION: "baseUrl",
    Provider.ZENDESK: "subdomain or baseUrl",
    Provider.CONFLUENCE: "siteUrl or baseUrl",
    Provider.GOOGLEDRIVE: "baseUrl or tokenUrl",
}
"""The credential fields that decide where a provider's API is called."""


async def save_connection(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    credentials: Credentials,
    account: str,
    secret_key: bytes,
) -> Connection:
    connection = await _find(session, workspace_id, credentials.provider)
    if connection is None:
        connection = Connection(workspace_id=workspace_id, provider=credentials.provider.value)
        session.add(connection)
    connection.sealed_credentials = sealing.seal(credentials.secrets, secret_key)
    connection.base_url = credentials.base_url
    connection.account = account[:500]
    await session.flush()
    return connection


async def list_connections(session: AsyncSession, workspace_id: uuid.UUID) -> list[Connection]:
    query = (
        select(Connection)
        .where(in_workspace(Connection, workspace_id))
        .order_by(Connection.provider)
    )
    return list((await session.execute(query)).scalars())


async def delete_connection(
    session: AsyncSession, workspace_id: uuid.UUID, provider: Provider
) -> None:
    connection = await _find(session, workspace_id, provider)
    if connection is None:
        raise NotFound(f"{provider.value} is not connected to this workspace")
    await session.delete(connection)


async def load_credentials(
    session: AsyncSession, workspace_id: uuid.UUID, provider: Provider, secret_key: bytes
) -> Credentials:
    """The workspace's credentials for a provider; 400 when it is not connected."""
    connection = await require_connected(session, workspace_id, provider)
    secrets = sealing.unseal(connection.sealed_credentials, secret_key)
    return Credentials(provider, secrets, connection.base_url)


async def require_connected(
    session: AsyncSession, workspace_id: uuid.UUID, provider: Provider
) -> Connection:
    connection = await _find(session, workspace_id, provider)
    if connection is None:
        raise InvalidInput(f"{provider.value} is not connected to this workspace")
    return connection


async def _find(
    session: AsyncSession, workspace_id: uuid.UUID, provider: Provider
) -> Connection | None:
    query = select(Connection).where(
        in_workspace(Connection, workspace_id), Connection.provider == provider.value
    )
    return (await session.execute(query)).scalar_one_or_none()
