"""/v2/webhooks (ext): subscriptions to kbsmith's events, and their delivery log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kbsmith.api.deps import DatabaseDep, ReadPrincipal, SettingsDep, WritePrincipal, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import Deleted
from kbsmith.api.schemas.webhooks import (
    CreatedWebhook,
    DeliveryList,
    DeliveryView,
    WebhookBody,
    WebhookList,
    WebhookView,
)
from kbsmith.db.pagination import DEFAULT_LIMIT, MAX_LIMIT, Direction
from kbsmith.webhooks import service

router = APIRouter(tags=["webhooks"], dependencies=[Depends(require_json)])


@router.post(
    "/v2/webhooks/public", summary="Subscribe a URL to events (ext)", responses=error_responses()
)
async def create_webhook(
    body: WebhookBody, principal: WritePrincipal, db: DatabaseDep, settings: SettingsDep
) -> CreatedWebhook:
    async with db.write() as session:
        created = await service.create_webhook(
            session, principal.workspace_id, body.url, body.events, settings.resolved_secret_key
        )
        view = WebhookView.of(created.webhook)
    return CreatedWebhook(**view.model_dump(), secret=created.secret)


@router.get("/v2/webhooks/public", summary="List the webhooks, without secrets (ext)")
async def list_webhooks(principal: ReadPrincipal, db: DatabaseDep) -> WebhookList:
    async with db.read() as session:
        found = await service.list_webhooks(session, principal.workspace_id)
        return WebhookList(webhooks=[WebhookView.of(webhook) for webhook in found])


@router.delete(
    "/v2/webhooks/{id}/public", summary="Remove a webhook (ext)", responses=error_responses(404)
)
async def delete_webhook(id: uuid.UUID, principal: WritePrincipal, db: DatabaseDep) -> Deleted:
    async with db.write() as session:
        await service.delete_webhook(session, principal.workspace_id, id)
    return Deleted(status=True)


@router.get(
    "/v2/webhooks/{id}/deliveries/public",
    summary="A webhook's deliveries, newest first, with the receiver's status codes (ext)",
    responses=error_responses(404),
)
async def list_deliveries(
    id: uuid.UUID,
    principal: ReadPrincipal,
    db: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: uuid.UUID | None = None,
    direction: Direction = Direction.NEXT,
) -> DeliveryList:
    async with db.read() as session:
        page = await service.list_deliveries(
            session, principal.workspace_id, id, cursor_id=cursor, direction=direction, limit=limit
        )
        return DeliveryList(
            deliveries=[DeliveryView.of(delivery) for delivery in page.items],
            has_more=page.has_more,
        )
