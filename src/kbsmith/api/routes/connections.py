"""/v2/connections (ext): provider credentials per workspace, checked, sealed, never shown."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import AfterValidator

from kbsmith.api.deps import (
    DatabaseDep,
    ReadPrincipal,
    RuntimeDep,
    SettingsDep,
    WritePrincipal,
    require_json,
)
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import Deleted, storable
from kbsmith.api.schemas.connections import (
    ConnectionList,
    ConnectionView,
)
from kbsmith.connectors import service
from kbsmith.providers import Provider, parse_provider

router = APIRouter(tags=["connections"], dependencies=[Depends(require_json)])


@router.put(
    "/v2/connections/{provider}/public",
    summary="Connect a provider (ext)",
    responses=error_responses(400),
)
async def put_connection(
    provider: Provider,
    body: Annotated[
        dict[str, Any],
        AfterValidator(storable),
        Body(description="The provider's credentials, and baseUrl."),
    ],
    principal: WritePrincipal,
    db: DatabaseDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> ConnectionView:
    credentials = service.parse_credentials(parse_provider(provider, "provider"), dict(body))
    account = await service.verify(credentials, runtime.policy)
    async with db.write() as session:
        connection = await service.save_connection(
            session, principal.workspace_id, credentials, account, settings.resolved_secret_key
        )
        return ConnectionView.of(connection)


@router.get("/v2/connections/public", summary="List connected providers, without secrets (ext)")
async def list_connections(principal: ReadPrincipal, db: DatabaseDep) -> ConnectionList:
    async with db.read() as session:
        found = await service.list_connections(session, principal.workspace_id)
        return ConnectionList(connections=[ConnectionView.of(c) for c in found])


@router.delete(
    "/v2/connections/{provider}/public",
    summary="Disconnect a provider (ext)",
    responses=error_responses(404),
)
async def delete_connection(
    provider: Provider, principal: WritePrincipal, db: DatabaseDep
) -> Deleted:
    async with db.write() as session:
        await service.delete_connection(
            session, principal.workspace_id, parse_provider(provider, "provider")
        )
    return Deleted(status=True)
