"""Webhook use cases: subscribe, list, remove, and the delivery log. Callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.connectors import sealing
from kbsmith.db.pagination import Cursor, Direction, Page, keyset_page
from kbsmith.db.scoping import get_owned, in_workspace
from kbsmith.errors import InvalidInput, NotFound
from kbsmith.fetching import InvalidUrl, is_absolute_http_url, normalize_url, parse_fetch_url
from kbsmith.webhooks import signing
from kbsmith.webhooks.events import Event
from kbsmith.webhooks.models import Webhook, WebhookDelivery

MAX_WEBHOOKS_PER_WORKSPACE = 50
EVENT_NAMES = frozenset(event.value for event in Event)


@dataclass(frozen=True)
class Created:
    webhook: Webhook
    secret: str
    """Shown once: only its sealed form is kept."""


def _checked_url(url: str) -> str:
    if not is_absolute_http_url(url):
        raise InvalidInput(f"url must be an absolute http(s) URL; got {url!r}")
    try:
        normalize_url(url)
        parse_fetch_url(url.strip())  # what each delivery will request
    except InvalidUrl as error:
        raise InvalidInput(f"url: {error}") from None
    return url.strip()


def _checked_events(events: Sequence[str]) -> list[str]:
    if not events:
        raise InvalidInput("events must be a non-empty array")
    unknown = [event for event in events if event not in EVENT_NAMES]
    if unknown:
        known = ", ".join(sorted(EVENT_NAMES))
        raise InvalidInput(f"events: unknown {', '.join(map(repr, unknown))}; known: {known}")
    return list(dict.fromkeys(events))


async def create_webhook(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    url: str,
    events: Sequence[str],
    secret_key: bytes,
) -> Created:
    checked_url, checked_events = _checked_url(url), _checked_events(events)
    existing = await list_webhooks(session, workspace_id)
    if len(existing) >= MAX_WEBHOOKS_PER_WORKSPACE:
        raise InvalidInput(f"url: a workspace has at most {MAX_WEBHOOKS_PER_WORKSPACE} webhooks")
    secret = signing.new_secret()
    webhook = Webhook(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        url=checked_url,
        events=checked_events,
        sealed_secret=sealing.seal({"secret": secret}, secret_key),
    )
    session.add(webhook)
    await session.flush()
    return Created(webhook, secret)


def secret_of(webhook: Webhook, secret_key: bytes) -> str:
    secret: str = sealing.unseal(webhook.sealed_secret, secret_key)["secret"]
    return secret


async def list_webhooks(session: AsyncSession, workspace_id: uuid.UUID) -> list[Webhook]:
    query = (
        select(Webhook)
        .where(in_workspace(Webhook, workspace_id))
        .order_by(Webhook.created_at, Webhook.id)
    )
    return list((await session.scalars(query)).all())


async def get_webhook(
    session: AsyncSession, workspace_id: uuid.UUID, webhook_id: uuid.UUID
) -> Webhook:
    webhook = await get_owned(session, Webhook, workspace_id, webhook_id)
    if webhook is None:
        raise NotFound(f"webhook {webhook_id} not found")
    return webhook


async def delete_webhook(
    session: AsyncSession, workspace_id: uuid.UUID, webhook_id: uuid.UUID
) -> None:
    """Its pending deliveries go with it (their jobs then find nothing to send)."""
    await session.delete(await get_webhook(session, workspace_id, webhook_id))


async def list_deliveries(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    webhook_id: uuid.UUID,
    *,
    cursor_id: uuid.UUID | None,
    direction: Direction,
    limit: int,
) -> Page[WebhookDelivery]:
    await get_webhook(session, workspace_id, webhook_id)
    cursor = None
    if cursor_id is not None:
        row = (
            await session.execute(
                select(WebhookDelivery.created_at, WebhookDelivery.id).where(
                    WebhookDelivery.id == cursor_id, WebhookDelivery.webhook_id == webhook_id
                )
            )
        ).one_or_none()
        if row is None:
            raise InvalidInput(f"cursor {cursor_id} is not a delivery of this webhook")
        cursor = Cursor(updated_at=row[0], id=row[1])
    return await keyset_page(
        session,
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id),
        WebhookDelivery.created_at,
        WebhookDelivery.id,
        cursor=cursor,
        direction=direction,
        limit=limit,
    )
