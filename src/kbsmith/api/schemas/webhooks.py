"""Webhooks and their deliveries on the wire (the secret shown once, at creation)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field

from kbsmith.api.schemas import ApiTime, WireModel, WireRequest
from kbsmith.webhooks.models import Webhook, WebhookDelivery


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
