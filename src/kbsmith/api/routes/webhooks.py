"""/v2/webhooks (ext): subscriptions to kbsmith's events, and their delivery log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from kbsmith.api.deps import DatabaseDep, ReadPrincipal, SettingsDep, WritePrincipal, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import ApiTime, WireModel, WireRequest
from kbsmith.db.pagination import DEFAULT_LIMIT, MAX_LIMIT, Direction
from kbsmith.webhooks import service
from kbsmith.webhooks.models import Webhook, WebhookDelivery

router = APIRouter(tags=["webhooks"], dependencies=[Depends(require_json)])


class WebhookBody(WireRequest):
    url: Annotated[str, Field(max_length=2048)]
    events: Annotated[list[str], Field(max_length=20)]


class WebhookView(WireModel):
    id: uuid.UUID
    url: str
    events: list[str]
    created_at: ApiTime

    @classmethod
    def of(cls, webhook: Webhook) -> WebhookView:
        return cls(
            id=webhook.id, url=webhook.url, events=webhook.events, created_at=webhook.created_at
        )


class CreatedWebhook(WebhookView):
    secret: str = Field(description="The signing secret (whsec_…); shown only in this answer.")


class WebhookList(WireModel):
    webhooks: list[WebhookView]


class DeliveryAttempt(WireModel):
    at: str
    status_code: int | None
    error: str


class DeliveryView(WireModel):
    id: uuid.UUID
    event: str
    status: str = Field(description="PENDING, DELIVERED or FAILED (given up after a day).")
    attempts: int
    status_code: int | None = Field(description="The receiver's answer to the latest attempt.")
    error: str
    log: list[DeliveryAttempt]
    created_at: ApiTime
    delivered_at: ApiTime | None

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryView:
        return cls(
            id=delivery.id,
            event=delivery.event,
            status=delivery.status,
            attempts=delivery.attempts,
            status_code=delivery.status_code,
            error=delivery.error,
            log=[DeliveryAttempt.model_validate(entry) for entry in delivery.log],
            created_at=delivery.created_at,
            delivered_at=delivery.delivered_at,
        )


class DeliveryList(WireModel):
    deliveries: list[DeliveryView]
    has_more: bool


class Deleted(WireModel):
    status: bool


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
