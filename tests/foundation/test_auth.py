"""Auth on every kind of bad key, on a read and a write route; workspace isolation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from kbsmith.db.database import Database
from kbsmith.workspaces import keys as key_format
from kbsmith.workspaces import service as workspaces
from kbsmith.workspaces.models import ApiKey
from kbsmith.workspaces.service import Scope
from tests.conftest import Keys

READ_ROUTE = ("GET", "/v2/bots/public", None)
WRITE_ROUTE = ("POST", "/v2/bots/public", {"name": "helper"})


async def call(
    client: httpx.AsyncClient, route: tuple[str, str, object], headers: dict[str, str]
) -> httpx.Response:
    method, path, body = route
    return await client.request(method, path, json=body, headers=headers)


def well_formed_unknown_key() -> str:
    return key_format.generate(b"another-secret").secret


@pytest.mark.parametrize("route", [READ_ROUTE, WRITE_ROUTE], ids=["read", "write"])
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-key",
        "Bearer kbs_short",
        "token kbs_0123456789",
    ],
    ids=["missing", "empty", "no-key", "basic", "garbage", "short", "wrong-scheme"],
)
async def test_missing_or_malformed_keys_are_401(
    client: httpx.AsyncClient, route: tuple[str, str, object], authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await call(client, route, headers)
    assert response.status_code == 401
    body = response.json()
    assert body["statusCode"] == 401 and body["error"] == "Unauthorized" and body["message"]
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("route", [READ_ROUTE, WRITE_ROUTE], ids=["read", "write"])
async def test_bad_checksum_unknown_and_revoked_keys_are_401(
    client: httpx.AsyncClient, keys: Keys, db: Database, route: tuple[str, str, object]
) -> None:
    good = await keys.create("acme", Scope.READ, Scope.WRITE)
    tampered = good[:-1] + ("A" if good[-1] != "A" else "B")
    for secret in (tampered, well_formed_unknown_key()):
        response = await call(client, route, {"Authorization": f"Bearer {secret}"})
        assert response.status_code == 401, secret

    assert (await call(client, route, {"Authorization": f"Bearer {good}"})).status_code == 200
    async with db.write() as session:
        owner = await workspaces.get_or_create_workspace(session, "acme")
        (key,) = await workspaces.list_keys(session, owner)
        await workspaces.revoke_key(session, key.id)
    assert (await call(client, route, {"Authorization": f"Bearer {good}"})).status_code == 401


async def test_scopes_are_enforced(client: httpx.AsyncClient, keys: Keys) -> None:
    read_only = await keys.headers("acme", Scope.READ)
    write_only = await keys.headers("acme", Scope.WRITE)
    both = await keys.headers("acme", Scope.READ, Scope.WRITE)

    assert (await call(client, READ_ROUTE, read_only)).status_code == 200
    refused = await call(client, WRITE_ROUTE, read_only)
    assert refused.status_code == 403
    assert refused.json() == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "API key lacks the 'write' scope",
    }
    assert (await call(client, READ_ROUTE, write_only)).status_code == 403
    assert (await call(client, WRITE_ROUTE, write_only)).status_code == 200
    assert (await call(client, READ_ROUTE, both)).status_code == 200
    assert (await call(client, WRITE_ROUTE, both)).status_code == 200


async def test_other_workspace_ids_answer_as_unknown(client: httpx.AsyncClient, keys: Keys) -> None:
    alice = await keys.headers("alice")
    bob = await keys.headers("bob")
    created = await client.post("/v2/bots/public", json={"name": "bob's bot"}, headers=bob)
    bob_bot = created.json()["id"]

    unknown_id = str(uuid.uuid4())
    foreign = await client.get(f"/v2/bots/{bob_bot}/public", headers=alice)
    unknown = await client.get(f"/v2/bots/{unknown_id}/public", headers=alice)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["message"].replace(bob_bot, unknown_id) == unknown.json()["message"]
    assert (await client.get("/v2/bots/public", headers=alice)).json() == []
    mine = await client.get(f"/v2/bots/{bob_bot}/public", headers=bob)
    assert mine.status_code == 200 and mine.json()["name"] == "bob's bot"


async def test_keys_are_stored_only_as_keyed_hashes(keys: Keys, db: Database) -> None:
    secret = await keys.create("acme")
    assert secret.startswith("kbs_") and key_format.is_well_formed(secret)
    async with db.read() as session:
        (stored,) = (await session.execute(select(ApiKey))).scalars().all()
    assert secret not in (stored.key_hash, stored.display_prefix)
    assert stored.key_hash == key_format.hash_key(secret, keys.secret)
    assert stored.key_hash != key_format.hash_key(secret, b"some other server secret")


def test_checksum_catches_typos() -> None:
    secret = key_format.generate(b"s").secret
    assert key_format.is_well_formed(secret)
    body = list(secret)
    body[10] = "0" if body[10] != "0" else "1"
    assert not key_format.is_well_formed("".join(body))
