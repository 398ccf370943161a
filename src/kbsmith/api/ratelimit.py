"""Rate limits on the wire: 429 with Retry-After past the key's limit, and X-RateLimit-Limit /
X-RateLimit-Remaining on every answer to an identified key (the count is in ratelimits/)."""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kbsmith.api.errors import ApiError
from kbsmith.db.database import Database
from kbsmith.ratelimits.service import Verdict, hit
from kbsmith.settings import Settings
from kbsmith.workspaces.service import Principal

STATE_KEY = "rate_limit"


async def enforce(request: Request, db: Database, settings: Settings, principal: Principal) -> None:
    if settings.rate_limit <= 0:
        return
    async with db.write() as session:
        verdict = await hit(session, principal.key_id, settings.rate_limit)
    setattr(request.state, STATE_KEY, verdict)
    if verdict.retry_after is not None:
        raise ApiError(
            429,
            f"this API key made more than {verdict.limit} requests this minute; "
            f"retry in {verdict.retry_after} s",
            {"Retry-After": str(verdict.retry_after)},
        )


class RateLimitHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            verdict = scope.get("state", {}).get(STATE_KEY)
            if message["type"] == "http.response.start" and isinstance(verdict, Verdict):
                headers = message.setdefault("headers", [])
                headers.append((b"x-ratelimit-limit", str(verdict.limit).encode()))
                headers.append((b"x-ratelimit-remaining", str(verdict.remaining).encode()))
            await send(message)

        await self.app(scope, receive, send_with_headers)
