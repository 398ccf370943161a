"""The webhook routes: the secret shown once, validation naming the field, isolation."""

from __future__ import annotations

import httpx

from kbsmith.workspaces.service import Scope
from tests.conftest import Keys


async def test_the_secret_is_shown_once_and_listing_hides_it(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers("hooks")
    created = await client.post(
        "/v2/webhooks/public",
        json={"url": "https://example.com/hook", "events": ["draft.created", "draft.created"]},
        headers=headers,
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["draft.created"]

    listed = (await client.get("/v2/webhooks/public", headers=headers)).json()["webhooks"]
    assert [w["id"] for w in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert body["secret"] not in (await client.get("/v2/webhooks/public", headers=headers)).text


async def test_bad_bodies_are_400s_naming_the_field(client: httpx.AsyncClient, keys: Keys) -> None:
    headers = await keys.headers("hooks")
    cases = [
        ({"url": "ftp://example.com", "events": ["job.failed"]}, "url"),
        ({"url": "http://example.com/\r\nX: y", "events": ["job.failed"]}, "url"),
        ({"url": "http://exa\u3000mple.com/h", "events": ["job.failed"]}, "url"),  # no request
        ({"url": "https://example.com/h", "events": []}, "events"),
        ({"url": "https://example.com/h", "events": ["job.exploded"]}, "events"),
        ({"events": ["job.failed"]}, "url"),
    ]
    for body, field in cases:
        response = await client.post("/v2/webhooks/public", json=body, headers=headers)
        assert response.status_code == 400, body
        assert response.json()["message"].startswith(field), response.json()


async def test_another_workspace_sees_no_webhook_of_ours(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    ours = await keys.headers("ours")
    theirs = await keys.headers("theirs")
    created = await client.post(
        "/v2/webhooks/public",
        json={"url": "https://example.com/hook", "events": ["job.failed"]},
        headers=ours,
    )
    hook = created.json()["id"]

    assert (await client.get("/v2/webhooks/public", headers=theirs)).json()["webhooks"] == []
    for method, path in [
        ("DELETE", f"/v2/webhooks/{hook}/public"),
        ("GET", f"/v2/webhooks/{hook}/deliveries/public"),
    ]:
        assert (await client.request(method, path, headers=theirs)).status_code == 404
    assert (await client.delete(f"/v2/webhooks/{hook}/public", headers=ours)).status_code == 200
    assert (await client.get("/v2/webhooks/public", headers=ours)).json()["webhooks"] == []


async def test_subscribing_needs_the_write_scope(client: httpx.AsyncClient, keys: Keys) -> None:
    reader = await keys.headers("hooks", Scope.READ)
    response = await client.post(
        "/v2/webhooks/public",
        json={"url": "https://example.com/hook", "events": ["job.failed"]},
        headers=reader,
    )
    assert response.status_code == 403
    assert (await client.get("/v2/webhooks/public", headers=reader)).status_code == 200
