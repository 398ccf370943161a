"""Announcing an event: one delivery (and its job) per subscribed webhook, in the caller's
transaction, so an event is announced exactly when what it reports commits."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.db.scoping import in_workspace
from kbsmith.jobs import queue
from kbsmith.webhooks.models import Webhook, WebhookDelivery

DELIVER_JOB = "webhook.deliver"


class Event(StrEnum):
    SOURCE_CHANGED = "source.changed"
    SOURCE_FAILED = "source.failed"
    JOB_COMPLETED = "job.completed"
    JOB_FAILED = "job.failed"
    DRAFT_CREATED = "draft.created"
    ARTICLE_PUBLISHED = "article.published"
    SCHEDULE_FINISHED = "schedule.finished"


def envelope(event: Event, data: dict[str, Any]) -> dict[str, Any]:
    """The Standard Webhooks payload shape: ``{type, timestamp, data}``."""
    timestamp = utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"type": event.value, "timestamp": timestamp, "data": data}


async def emit(
    session: AsyncSession, workspace_id: uuid.UUID, event: Event, data: dict[str, Any]
) -> list[uuid.UUID]:
    """Queue a delivery of ``event`` to each webhook of the workspace that subscribed to it."""
    hooks = (
        await session.execute(
            select(Webhook.id, Webhook.events).where(in_workspace(Webhook, workspace_id))
        )
    ).all()
    targets = [hook_id for hook_id, events in hooks if event.value in events]
    if not targets:
        return []
    payload = envelope(event, data)
    deliveries = [
        WebhookDelivery(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            webhook_id=hook_id,
            event=event.value,
            payload=payload,
            log=[],
        )
        for hook_id in targets
    ]
    session.add_all(deliveries)
    # the deliveries first: a job must never point at a row its transaction has not written
    await session.flush()
    queue.enqueue_many(
        session,
        DELIVER_JOB,
        ({"deliveryId": str(delivery.id)} for delivery in deliveries),
        workspace_id=workspace_id,
    )
    return [delivery.id for delivery in deliveries]
