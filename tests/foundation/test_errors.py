"""The error contract on every kind of failure, and the OpenAPI document that describes it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from kbsmith.api.schemas import wire_name
from kbsmith.errors import FIELD, DomainError, InvalidInput, NotFound
from tests.conftest import Keys

ANY_ID = "3f1c9d7e-1111-4c1d-9d1f-0a8b7c6d5e4f"


def assert_error(response: httpx.Response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"statusCode", "error", "message"}
    assert body["statusCode"] == status
    for fragment in fragments:
        assert fragment in body["message"], body


async def test_malformed_json_is_400(client: httpx.AsyncClient, keys: Keys) -> None:
    headers = await keys.headers() | {"Content-Type": "application/json"}
    response = await client.post("/v2/bots/public", content=b'{"name": ', headers=headers)
    assert_error(response, 400, "not valid JSON")


async def test_validation_failures_are_400_naming_the_field(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers()
    assert_error(await client.post("/v2/bots/public", json={}, headers=headers), 400, "name")
    assert_error(
        await client.post("/v2/bots/public", json={"name": ""}, headers=headers), 400, "name"
    )
    assert_error(
        await client.post("/v2/bots/public", json={"name": "x", "extra": 1}, headers=headers),
        400,
        "extra",
    )
    assert_error(await client.get("/v2/bots/not-a-uuid/public", headers=headers), 400, "bot_id")


async def test_wrong_content_type_is_415_on_every_json_route(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers() | {"Content-Type": "text/plain"}
    document = (await client.get("/openapi.json")).json()
    json_routes = [
        (method, re.sub(r"\{[^}]+\}", ANY_ID, path))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert ("post", "/v2/knowledge/public/jobs/status") in json_routes
    for method, path in json_routes:
        response = await client.request(method, path, content=b"name=x", headers=headers)
        assert_error(response, 415, "application/json")


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/v2/nothing-here"), 404, "route")
    assert_error(await client.delete("/v2/bots/public"), 405, "method")


async def test_too_large_body_is_413(client: httpx.AsyncClient, keys: Keys) -> None:
    headers = await keys.headers()
    big = b'{"name": "' + b"x" * 70_000 + b'"}'
    declared = await client.post(
        "/v2/bots/public", content=big, headers=headers | {"Content-Type": "application/json"}
    )
    assert_error(declared, 413, "larger than")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 8192

    streamed = await client.post(
        "/v2/bots/public", content=chunks(), headers=headers | {"Content-Type": "application/json"}
    )
    assert_error(streamed, 413, "larger than")


async def test_internal_errors_leak_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    async def explode() -> None:
        raise RuntimeError("database password is hunter2")

    app.add_api_route("/explode", explode)
    response = await client.get("/explode")
    assert_error(response, 500)
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert response.headers["x-request-id"]


async def test_request_id_is_kept_or_made(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz", headers={"X-Request-ID": "abc-123"})).headers[
        "x-request-id"
    ] == "abc-123"
    made = (await client.get("/healthz", headers={"X-Request-ID": "bad id!\n"})).headers[
        "x-request-id"
    ]
    assert made != "bad id!\n" and len(made) == 32


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_openapi_documents_every_status(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert "ErrorBody" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert "422" not in statuses, (method, path)
            assert "500" in statuses, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= statuses, (method, path)
            if method in ("post", "put"):
                assert {"400", "413", "415"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
    assert (await client.get("/docs")).status_code == 200


WORDINGS = {
    "one field": (
        InvalidInput(f"{FIELD} must be a non-empty array", "document_ids"),
        "document_ids must be a non-empty array",
        "documentIds must be a non-empty array",
    ),
    "two fields": (
        InvalidInput(f"{FIELD} or {FIELD} must be a non-empty array", "to_add", "to_refresh"),
        "to_add or to_refresh must be a non-empty array",
        "documentIdsToAdd or documentIdsToRefresh must be a non-empty array",
    ),
    "a quoted value that looks like a placeholder": (
        InvalidInput(f"{FIELD}: {'{}'!r} is not an id", "bot_id"),
        "bot_id: '{}' is not an id",
        "botId: '{}' is not an id",
    ),
    "a path into a list": (
        InvalidInput(f"{FIELD} must not be empty", "keywords.1"),
        "keywords.1 must not be empty",
        "keywords.1 must not be empty",
    ),
    "no field": (NotFound("article 1 not found"), "article 1 not found", "article 1 not found"),
}


@pytest.mark.parametrize(("error", "domain", "wire"), WORDINGS.values(), ids=WORDINGS.keys())
def test_services_name_domain_fields_and_the_api_words_them_for_the_wire(
    error: DomainError, domain: str, wire: str
) -> None:
    assert str(error) == error.message == domain  # what the CLI shows
    assert error.worded(wire_name) == wire  # what api/errors.py answers
