"""What the OpenAPI document says is what the server does: constraints come from the models
that validate, a 405 lists every method of its path, and a literal path is never taken for an
id of the parametrised path beside it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Keys
from tests.knowledge.conftest import assert_error


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", "/v2/documents/public", "DELETE, GET, POST"),
        ("PUT", "/v2/hc-articles/ids/public", "POST"),
        ("DELETE", "/v2/hc-articles/ids/public", "POST"),
        ("GET", "/v2/documents/public/files", "POST"),
        ("GET", "/v2/documents/public/refresh", "POST"),
        ("OPTIONS", "/v2/hc-folders/3f1c9d7e-1111-4c1d-9d1f-0a8b7c6d5e4f/public", "DELETE, PUT"),
    ],
)
async def test_a_405_lists_every_method_of_its_path(
    client: httpx.AsyncClient, keys: Keys, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path, headers=await keys.headers())
    assert_error(response, 405, "method not allowed")
    assert response.headers["allow"] == allow


def schema_of(openapi: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    name = reference["$ref"].rsplit("/", 1)[-1]
    found: dict[str, Any] = openapi["components"]["schemas"][name]
    return found


def body_schema(openapi: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    content = openapi["paths"][path][method]["requestBody"]["content"]["application/json"]
    return schema_of(openapi, content["schema"])


async def test_the_openapi_document_states_the_constraints_the_server_applies(
    client: httpx.AsyncClient,
) -> None:
    openapi = (await client.get("/openapi.json")).json()
    providers = ["web", "files", "googledrive", "notion", "zendesk", "confluence"]
    for path, method in [
        ("/v2/connections/{provider}/public", "put"),
        ("/v2/documents/public/resources/{provider}", "get"),
    ]:
        (parameter,) = openapi["paths"][path][method]["parameters"]
        assert schema_of(openapi, parameter["schema"])["enum"] == providers
    ingest = body_schema(openapi, "/v2/documents/public", "post")["properties"]["source"]
    assert schema_of(openapi, ingest)["enum"] == providers
    for path, method, field in [
        ("/v2/documents/public/refresh", "post", "documentIds"),
        ("/v2/documents/public", "delete", "documentIds"),
        ("/v2/knowledge/public/bulk", "post", "documentIds"),
        ("/v2/knowledge/public/jobs/status", "post", "jobIds"),
        ("/v2/documents/public/deep-crawl/links", "post", "links"),
    ]:
        assert body_schema(openapi, path, method)["properties"][field]["minItems"] == 1, path


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/v2/documents/public/refresh", {"documentIds": []}, "documentIds"),
        ("POST", "/v2/documents/public/deep-crawl/links", {"links": []}, "links"),
        ("POST", "/v2/documents/public", {"source": "ftp", "documentIdsToAdd": ["x"]}, "source"),
        ("PUT", "/v2/connections/nope/public", {}, "provider"),
        ("POST", "/v2/hc-folders/public", {"title": "Billing", "active": 0}, "active"),
        ("POST", "/v2/hc-folders/public", {"title": "\u0085" + "a" * 500}, "title"),
        ("POST", "/v2/hc-folders/public", {"title": " \t "}, "title"),
    ],
)
async def test_what_the_document_refuses_the_server_refuses(
    client: httpx.AsyncClient, keys: Keys, method: str, path: str, body: Any, field: str
) -> None:
    response = await client.request(method, path, headers=await keys.headers(), json=body)
    assert_error(response, 400, field)


async def test_titles_keep_their_text_without_surrounding_whitespace(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers()
    title = "\u0085" + "a" * 499
    created = await client.post("/v2/hc-folders/public", headers=headers, json={"title": title})
    assert created.status_code == 200, created.text
    assert created.json()["title"] == "a" * 499
