"""Deliveries: signed as Standard Webhooks, durable, retried while the receiver is down,
given up after the window, refused for addresses the fetch policy blocks."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from kbsmith.api.deps import composition_of
from kbsmith.db.database import Database
from kbsmith.jobs.models import Job
from kbsmith.jobs.worker import Worker
from kbsmith.webhooks import events
from kbsmith.webhooks.events import DELIVER_JOB, Event
from kbsmith.webhooks.models import WebhookDelivery
from kbsmith.workspaces.service import get_or_create_workspace
from tests.support.receiver import Receiver, ReceiverServer, subscribe
from tests.support.waiting import eventually


async def announce(db: Database, event: Event, data: dict[str, Any]) -> list[uuid.UUID]:
    async with db.write() as session:
        workspace = await get_or_create_workspace(session, "hooks")
        return await events.emit(session, workspace.id, event, data)


async def deliveries(
    client: httpx.AsyncClient, headers: dict[str, str], webhook_id: str
) -> list[dict[str, Any]]:
    response = await client.get(f"/v2/webhooks/{webhook_id}/deliveries/public", headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["deliveries"]
    return found


async def test_a_delivery_waits_out_a_receiver_that_is_down_and_arrives_once_signed(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    db: Database,
    receiver_server: ReceiverServer,
    receiver: Receiver,
    workers: Worker,
) -> None:
    hook = await subscribe(
        client, headers, receiver_server.url, ["source.changed", "draft.created"], receiver
    )
    receiver.down = True
    [delivery_id] = await announce(db, Event.DRAFT_CREATED, {"articleId": "a1"})
    await announce(db, Event.JOB_FAILED, {"jobId": "not subscribed"})

    await eventually(lambda: deliveries(client, headers, hook), lambda d: d[0]["attempts"] >= 3)
    receiver.down = False
    [shown] = await eventually(
        lambda: deliveries(client, headers, hook), lambda d: d[0]["status"] == "DELIVERED"
    )

    assert [(r.id, r.type, r.data) for r in receiver.received] == [
        (str(delivery_id), "draft.created", {"articleId": "a1"})
    ]
    assert receiver.bad_signatures == 0
    assert shown["statusCode"] == 204
    assert [entry["statusCode"] for entry in shown["log"]][-1] == 204
    assert {entry["statusCode"] for entry in shown["log"][:-1]} == {503}
    assert shown["attempts"] == len(shown["log"]) == receiver.refused + 1


async def test_a_delivery_is_given_up_after_the_retry_window(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    db: Database,
    receiver_server: ReceiverServer,
    receiver: Receiver,
    app: Any,
    workers: Worker,
) -> None:
    composition_of(app).runtime.settings = composition_of(app).runtime.settings.model_copy(
        update={"webhook_retry_window": 0.3}
    )
    hook = await subscribe(client, headers, receiver_server.url, ["job.failed"], receiver)
    receiver.down = True
    await announce(db, Event.JOB_FAILED, {"jobId": "j1"})

    [shown] = await eventually(
        lambda: deliveries(client, headers, hook), lambda d: d[0]["status"] == "FAILED"
    )
    assert shown["statusCode"] == 503
    assert shown["error"] == "the receiver answered 503"
    assert receiver.received == []


async def test_a_receiver_at_a_blocked_address_is_not_tried_again(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    db: Database,
    receiver_server: ReceiverServer,
    receiver: Receiver,
    app: Any,
    workers: Worker,
) -> None:
    composition_of(app).runtime.settings = composition_of(app).runtime.settings.model_copy(
        update={"fetch_allow_networks": ""}
    )
    hook = await subscribe(client, headers, receiver_server.url, ["job.failed"], receiver)
    await announce(db, Event.JOB_FAILED, {"jobId": "j1"})

    [shown] = await eventually(
        lambda: deliveries(client, headers, hook), lambda d: d[0]["status"] == "FAILED"
    )
    assert shown["attempts"] == 1
    assert "blocked address 127.0.0.1" in shown["error"]
    assert receiver.received == []


async def test_an_event_is_announced_only_if_its_transaction_commits(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    db: Database,
    receiver_server: ReceiverServer,
) -> None:
    await subscribe(client, headers, receiver_server.url, ["job.failed"])

    class Abandon(Exception):
        pass

    try:
        async with db.write() as session:
            workspace = await get_or_create_workspace(session, "hooks")
            await events.emit(session, workspace.id, Event.JOB_FAILED, {"jobId": "j1"})
            raise Abandon
    except Abandon:
        pass

    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        jobs = select(func.count()).select_from(Job).where(Job.kind == DELIVER_JOB)
        assert await session.scalar(jobs) == 0
