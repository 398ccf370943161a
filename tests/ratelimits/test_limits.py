"""Rate limits per key: counted in the database, 429 with Retry-After beyond the limit,
X-RateLimit-* on every answer to a key, 429 documented on every keyed route."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from kbsmith.api.app import create_app
from kbsmith.db.database import Database
from kbsmith.ratelimits.service import WINDOW_SECONDS, hit
from kbsmith.settings import Settings
from kbsmith.workspaces.service import Scope, create_key, get_or_create_workspace
from tests.conftest import Keys

LIMIT = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit": LIMIT})


def this_minute() -> int:
    return int(time.time() // WINDOW_SECONDS)


async def in_one_window(
    client: httpx.AsyncClient, keys: Keys, requests: int
) -> list[httpx.Response]:
    """``requests`` answers to one new key, all counted in one window: a slow machine may
    cross the minute between two requests (a new count), and then a new key tries again."""
    for _ in range(3):
        started, headers = this_minute(), await keys.headers("limited")
        answers = [
            await client.get("/v2/webhooks/public", headers=headers) for _ in range(requests)
        ]
        if this_minute() == started:
            return answers
    raise AssertionError(f"{requests} requests never fitted in one minute")


async def test_a_key_past_its_limit_gets_429_with_retry_after(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    other = await keys.headers("limited")
    answers = await in_one_window(client, keys, LIMIT + 1)

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {str(LIMIT)}
    refused = answers[-1]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["statusCode"] == 429
    assert refused.json()["error"] == "Too Many Requests"
    assert "more than 3 requests" in refused.json()["message"]
    # another key of the same workspace has its own count
    assert (await client.get("/v2/webhooks/public", headers=other)).status_code == 200


async def test_errors_of_a_known_key_carry_the_headers_too(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers("limited")
    missing = await client.delete(f"/v2/webhooks/{uuid.uuid4()}/public", headers=headers)
    assert missing.status_code == 404
    assert missing.headers["x-ratelimit-remaining"] == "2"
    unknown_key = await client.get("/v2/webhooks/public")
    assert unknown_key.status_code == 401
    assert "x-ratelimit-limit" not in unknown_key.headers


async def test_zero_means_unlimited(settings: Settings, db: Database, keys: Keys) -> None:
    app = create_app(settings.model_copy(update={"rate_limit": 0}), db)
    headers = await keys.headers("free")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kbsmith.test") as client:
        answers = [await client.get("/v2/webhooks/public", headers=headers) for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert "x-ratelimit-limit" not in answers[0].headers


@pytest.mark.parametrize(
    ("moments", "expected"),
    [
        # (second of the minute, ...) → remaining after each, None once refused
        ([0, 10, 20, 30], [2, 1, 0, None]),
        ([50, 59, 60, 61], [2, 1, 2, 1]),  # a new minute starts a new count
    ],
)
async def test_the_count_is_per_minute(
    db: Database, settings: Settings, moments: list[int], expected: list[int | None]
) -> None:
    async with db.write() as session:
        workspace = await get_or_create_workspace(session, "windows")
        key = await create_key(session, workspace, {Scope.READ}, "t", settings.resolved_secret_key)
    start = datetime(2026, 12, 4, 12, 0, tzinfo=UTC).timestamp()
    seen = []
    for second in moments:
        async with db.write() as session:
            verdict = await hit(
                session, key.key.id, LIMIT, datetime.fromtimestamp(start + second, UTC)
            )
        seen.append(verdict.remaining if verdict.allowed else None)
        if not verdict.allowed:
            assert verdict.retry_after == 60 - second % 60
    assert seen == expected


def test_every_keyed_route_documents_429(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    keyed = [
        (path, method, operation)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if operation.get("security")
    ]
    assert len(keyed) > 30
    assert [(p, m) for p, m, op in keyed if "429" not in op["responses"]] == []
