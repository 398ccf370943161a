"""The delivery job: one signed POST per attempt, through the guarded transport; a failed
attempt plans the next as a job of its own, so retries follow the webhook plan (a day of
exponential backoff), not the job engine's short one."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.fetching import FetchError, GuardedTransport
from kbsmith.jobs import queue
from kbsmith.jobs.context import JobContext
from kbsmith.jobs.registry import JobRegistry
from kbsmith.metrics.instruments import WEBHOOK_ATTEMPT_FAILURES
from kbsmith.runtime import Runtime
from kbsmith.webhooks import signing
from kbsmith.webhooks.events import DELIVER_JOB
from kbsmith.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from kbsmith.webhooks.retries import RetryPlan
from kbsmith.webhooks.service import secret_of

log = structlog.get_logger(__name__)

DELIVERY_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class _Attempt:
    status_code: int | None
    error: str
    final: bool = False
    """Trying again cannot help (a blocked address, an invalid URL)."""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def register(registry: JobRegistry, runtime: Runtime) -> None:
    async def deliver_with(ctx: JobContext) -> None:
        await deliver(ctx, runtime)

    registry.handler(DELIVER_JOB, timeout=DELIVERY_TIMEOUT_SECONDS)(deliver_with)


def retry_plan(runtime: Runtime) -> RetryPlan:
    settings = runtime.settings
    return RetryPlan(
        settings.webhook_retry_base, settings.webhook_retry_max, settings.webhook_retry_window
    )


async def deliver(ctx: JobContext, runtime: Runtime) -> None:
    delivery_id = uuid.UUID(ctx.payload["deliveryId"])
    async with ctx.db.read() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        webhook = await session.get(Webhook, delivery.webhook_id) if delivery else None
        if delivery is None or webhook is None or delivery.status != DeliveryStatus.PENDING:
            return  # removed meanwhile, or settled by an earlier attempt
        secret = secret_of(webhook, runtime.settings.resolved_secret_key)
        url, body = webhook.url, json.dumps(delivery.payload, separators=(",", ":")).encode()
    signed = signing.headers(secret, str(delivery_id), int(time.time()), body)
    attempt = await _post(runtime, url, signed, body)
    async with ctx.finishing() as session:
        await _record(session, ctx, delivery_id, attempt, retry_plan(runtime))


async def _post(runtime: Runtime, url: str, headers: dict[str, str], body: bytes) -> _Attempt:
    policy = runtime.policy
    timeout = runtime.settings.webhook_timeout
    headers = {"user-agent": policy.user_agent, **headers}
    try:
        async with (
            httpx.AsyncClient(
                transport=GuardedTransport(policy), timeout=timeout, follow_redirects=False
            ) as client,
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            return _Attempt(response.status_code, _status_error(response.status_code))
    except FetchError as error:
        return _Attempt(None, str(error), final=not error.retryable)
    except httpx.InvalidURL as error:  # not an HTTPError: a URL stored before such were refused
        return _Attempt(None, f"invalid URL: {error}"[:500], final=True)
    except httpx.HTTPError as error:
        return _Attempt(None, f"{type(error).__name__}: {error}"[:500])


def _status_error(status: int) -> str:
    return "" if 200 <= status < 300 else f"the receiver answered {status}"


async def _record(
    session: AsyncSession,
    ctx: JobContext,
    delivery_id: uuid.UUID,
    attempt: _Attempt,
    plan: RetryPlan,
) -> None:
    delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return
    now = utcnow()
    delivery.attempts += 1
    delivery.status_code = attempt.status_code
    delivery.error = attempt.error
    delivery.log = [
        *delivery.log,
        {"at": now.isoformat(), "statusCode": attempt.status_code, "error": attempt.error},
    ]
    if attempt.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        return
    WEBHOOK_ATTEMPT_FAILURES.inc()
    elapsed = (now - delivery.created_at).total_seconds()
    delay = None if attempt.final else plan.delay(delivery.attempts, elapsed)
    if delay is None:
        delivery.status = DeliveryStatus.FAILED
        log.warning("webhook delivery given up", delivery_id=str(delivery_id), error=attempt.error)
        return
    queue.enqueue(
        session,
        DELIVER_JOB,
        {"deliveryId": str(delivery_id)},
        workspace_id=ctx.job.workspace_id,
        run_at=now + timedelta(seconds=delay),
    )
