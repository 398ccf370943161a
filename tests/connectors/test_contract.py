"""The contract every connector keeps, run over the four fake providers: import through the
public API, refresh, a change upstream, deletion upstream, revoked credentials, and another
workspace that never uses the connection. What is particular to one provider (its content,
its discovery shape, its errors) is tested in its own module."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from kbsmith.db.database import Database
from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.connectors.fakes import confluence as fake_confluence
from tests.connectors.fakes import googledrive as fake_drive
from tests.connectors.fakes import notion as fake_notion
from tests.connectors.fakes import zendesk as fake_zendesk
from tests.connectors.provider_flow import (
    connect,
    discover,
    imported,
    ingest,
    refreshed,
    register,
)
from tests.sources.test_listing import generate_article_by_hand

Fake = Any
"""One of the fake providers (each a real HTTP server on 127.0.0.1)."""


@dataclass(frozen=True)
class Provider:
    name: str
    fixture: str
    credentials: Callable[[Fake], dict[str, Any]]
    """The connection body (its baseUrl pointing at the fake)."""
    document: Callable[[Fake], str]
    """The document the scenario follows: edited, then trashed upstream."""
    removed: Callable[[Fake], str]
    """Another document, removed for good upstream."""
    edit: Callable[[Fake, str], None]
    edited_text: str
    """A text the edited document holds, and the original does not."""
    trash: Callable[[Fake, str], None]
    remove: Callable[[Fake, str], None]
    deleted_errors: tuple[str | None, str | None]
    """The exact errors of the trashed and the removed document (None: only that it says
    "deleted upstream")."""
    revoke: Callable[[Fake], None]
    revoked_error: Callable[[str], bool]
    calls: Callable[[Fake], int]
    revocable_credentials: Callable[[Fake], dict[str, Any]] | None = None
    """Credentials that a revocation reaches (default: ``credentials``)."""
    edited_paragraphs: list[str] | None = None


def _notion_edit(notion: Fake, page_id: str) -> None:
    notion.edit_page(
        page_id,
        [fake_notion.paragraph("Les factures sont émises le cinq de chaque mois, en euros.")],
    )


PROVIDERS = [
    Provider(
        name="notion",
        fixture="notion",
        credentials=lambda f: {"token": fake_notion.TOKEN, "baseUrl": f.url},
        document=lambda f: f.seeded.pricing_unicode,
        removed=lambda f: f.seeded.advanced_setup,
        edit=_notion_edit,
        edited_text="le cinq de chaque mois",
        edited_paragraphs=["Les factures sont émises le cinq de chaque mois, en euros."],
        trash=lambda f, i: f.trash(i),
        remove=lambda f, i: f.remove(i),
        deleted_errors=(
            f"the Notion page {fake_notion.PRICING_TITLE!r} was deleted upstream",
            "the Notion document was deleted upstream",
        ),
        revoke=lambda f: f.revoke(),
        revoked_error=lambda e: e.endswith("API token is invalid.; reconnect the provider"),
        calls=lambda f: len(f.calls),
    ),
    Provider(
        name="confluence",
        fixture="confluence",
        credentials=lambda f: {
            "siteUrl": fake_confluence.SITE,
            "email": fake_confluence.EMAIL,
            "apiToken": fake_confluence.API_TOKEN,
            "baseUrl": f.url,
        },
        document=lambda f: f.seeded.install,
        removed=lambda f: f.seeded.proxy,
        edit=lambda f, i: f.edit_page(i, "<p>Download the installer from the admin console.</p>"),
        edited_text="Download the installer from the admin console.",
        edited_paragraphs=["Download the installer from the admin console."],
        trash=lambda f, i: f.trash(i),
        remove=lambda f, i: f.purge(i),
        deleted_errors=(
            "the Confluence page 'Install the agent' was deleted upstream",
            "the Confluence document was deleted upstream",
        ),
        revoke=lambda f: f.revoke(),
        revoked_error=lambda e: (
            e == "Confluence answered HTTP 401: Unauthorized; reconnect the provider"
        ),
        calls=lambda f: len(f.calls),
    ),
    Provider(
        name="zendesk",
        fixture="zendesk",
        credentials=lambda f: f.credentials(),
        document=lambda f: "360003000001",
        removed=lambda f: "360003000002",
        edit=lambda f, i: f.edit(
            int(i), body=fake_zendesk.PASSWORD_BODY.replace("24 hours", "48 hours")
        ),
        edited_text="48 hours",
        trash=lambda f, i: f.delete(int(i)),
        remove=lambda f, i: f.delete(int(i)),
        deleted_errors=(None, None),
        revoke=lambda f: f.revoke(),
        revoked_error=lambda e: "reconnect the provider" in e,
        calls=lambda f: len(f.requests),
    ),
    Provider(
        name="googledrive",
        fixture="drive",
        credentials=lambda f: f.credentials(),
        revocable_credentials=lambda f: f.oauth_credentials(),
        document=lambda f: "1RefundPolicyDoc01",
        removed=lambda f: "1PricingPdfFile005",
        edit=lambda f, i: f.edit(
            i,
            fake_drive.google_doc_html(
                [(k, t.replace("30 days", "60 days")) for k, t in fake_drive.REFUND_BLOCKS]
            ),
        ),
        edited_text="60 days",
        trash=lambda f, i: f.trash(i),
        remove=lambda f, i: f.delete(i),
        deleted_errors=(None, None),
        revoke=lambda f: f.revoke(),
        revoked_error=lambda e: "invalid_grant" in e and "reconnect the provider" in e,
        calls=lambda f: len(f.requests),
    ),
]


@pytest.fixture(params=PROVIDERS, ids=[p.name for p in PROVIDERS])
def provider(request: pytest.FixtureRequest) -> Provider:
    chosen: Provider = request.param
    return chosen


@pytest.fixture
def fake(provider: Provider, request: pytest.FixtureRequest) -> Fake:
    """The provider's fake, with its content seeded (``fake.seeded`` where a test reads it)."""
    started = request.getfixturevalue(provider.fixture)
    if provider.name == "notion":
        started.seeded = fake_notion.seed_workspace(started)
    elif provider.name == "confluence":
        started.seeded = fake_confluence.seed_site(started)
    return started


async def connected(
    client: httpx.AsyncClient,
    keys: Keys,
    provider: Provider,
    fake: Fake,
    name: str = "acme",
    credentials: dict[str, Any] | None = None,
) -> dict[str, str]:
    headers = await keys.headers(name)
    answer = await connect(
        client, headers, provider.name, credentials or provider.credentials(fake)
    )
    assert answer.status_code == 200, answer.text
    return headers


def documents(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every document a discovery answer offers (a flat list or a tree), by external id."""
    found: dict[str, dict[str, Any]] = {}
    for node in nodes:
        if "children" in node:
            found |= documents(node["children"])
        else:
            found[node["externalId"]] = node
    return found


async def offered(
    client: httpx.AsyncClient, headers: dict[str, str], provider: Provider
) -> dict[str, dict[str, Any]]:
    answer = await discover(client, headers, provider.name)
    assert answer.status_code == 200, answer.text
    return documents(answer.json())


async def import_documents(
    client: httpx.AsyncClient, headers: dict[str, str], provider: Provider, *external_ids: str
) -> list[dict[str, Any]]:
    """Discovered, registered and ingested: their settled records, in order, each imported."""
    found = await offered(client, headers, provider)
    records = await imported(client, headers, provider.name, [found[i] for i in external_ids])
    chosen = [records[i] for i in external_ids]
    for record in chosen:
        assert record["linkedJobStatus"] == "COMPLETED", record["error"]
        assert record["success"] is True and record["source"] == provider.name
    return chosen


def text_of(record: dict[str, Any]) -> str:
    return "\n".join(record["paragraphs"])


async def test_import_refresh_change_and_upstream_deletion(
    client: httpx.AsyncClient,
    keys: Keys,
    provider: Provider,
    fake: Fake,
    workers: Worker,
    db: Database,
) -> None:
    headers = await connected(client, keys, provider, fake)
    document_id, removed_id = provider.document(fake), provider.removed(fake)
    document, removed = await import_documents(client, headers, provider, document_id, removed_id)
    assert document["externalId"] == document_id and document["paragraphs"]
    assert document_id not in await offered(client, headers, provider), "imported: not offered"

    await generate_article_by_hand(db, "acme", uuid.UUID(document["id"]))
    unchanged = await refreshed(client, headers, document)
    assert unchanged["changed"] is False and unchanged["paragraphs"] == document["paragraphs"]

    provider.edit(fake, document_id)
    edited = await refreshed(client, headers, document)
    assert edited["linkedJobStatus"] == "COMPLETED", edited["error"]
    assert provider.edited_text in text_of(edited)
    assert provider.edited_text not in text_of(document)
    if provider.edited_paragraphs is not None:
        assert edited["paragraphs"] == provider.edited_paragraphs
    assert edited["oldParagraphs"] == document["paragraphs"]
    assert edited["changed"] is True and edited["linkedKnowledgeId"] is not None

    trashed_error, removed_error = provider.deleted_errors
    provider.trash(fake, document_id)
    trashed = await refreshed(client, headers, edited)
    assert trashed["linkedJobStatus"] == "FAILED" and trashed["success"] is False
    assert "deleted upstream" in trashed["error"]
    assert trashed_error is None or trashed["error"] == trashed_error
    assert trashed["paragraphs"] == edited["paragraphs"]
    assert trashed["linkedKnowledgeId"] == edited["linkedKnowledgeId"]

    provider.remove(fake, removed_id)
    gone = await refreshed(client, headers, removed)
    assert gone["linkedJobStatus"] == "FAILED" and "deleted upstream" in gone["error"]
    assert removed_error is None or gone["error"] == removed_error
    assert gone["paragraphs"] == removed["paragraphs"]


async def test_revoked_credentials_fail_the_sync_asking_to_reconnect(
    client: httpx.AsyncClient, keys: Keys, provider: Provider, fake: Fake, workers: Worker
) -> None:
    revocable = provider.revocable_credentials or provider.credentials
    headers = await connected(client, keys, provider, fake, credentials=revocable(fake))
    records = await import_documents(
        client, headers, provider, provider.document(fake), provider.removed(fake)
    )
    provider.revoke(fake)
    for record in records:
        after = await refreshed(client, headers, record)
        assert after["linkedJobStatus"] == "FAILED"
        assert provider.revoked_error(after["error"]), after["error"]
        assert after["paragraphs"] == record["paragraphs"]
    rediscovered = await discover(client, headers, provider.name)
    assert rediscovered.status_code == 400
    assert "reconnect the provider" in rediscovered.json()["message"]


async def test_another_workspaces_connection_is_never_used(
    client: httpx.AsyncClient, keys: Keys, provider: Provider, fake: Fake, workers: Worker
) -> None:
    acme = await connected(client, keys, provider, fake)
    (document,) = await import_documents(client, acme, provider, provider.document(fake))
    resource = {
        "externalId": document["externalId"],
        "title": document["title"],
        "originalUrl": document["originalUrl"],
        "mimeType": document["mimeType"],
        "object": document["type"],
    }
    other = await keys.headers("other")
    calls_before = provider.calls(fake)

    not_connected = f"{provider.name} is not connected to this workspace"
    refresh_body = {"source": provider.name, "documentIdsToRefresh": [document["id"]]}
    for answer in (
        await discover(client, other, provider.name),
        await register(client, other, provider.name, [resource]),
        await ingest(client, other, provider.name, [document["id"]]),
        await client.post("/v2/documents/public", headers=other, json=refresh_body),
    ):
        assert answer.status_code == 400
        assert answer.json()["message"] == not_connected
    listed = await client.get("/v2/connections/public", headers=other)
    assert listed.json()["connections"] == []
    assert provider.calls(fake) == calls_before

    await connected(client, keys, provider, fake, "other")
    foreign = await ingest(client, other, provider.name, [document["id"]])
    assert foreign.status_code == 400 and document["id"] in foreign.json()["message"]
