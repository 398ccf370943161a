"""Google Drive through kbsmith's API: connect, discover, register, ingest, refresh."""

from __future__ import annotations

import json
from typing import Any

import httpx

from kbsmith.connectors import service as connections
from kbsmith.connectors.base import ResourceRef
from kbsmith.fetching import FetchPolicy
from kbsmith.jobs.worker import Worker
from kbsmith.providers import Provider
from tests.conftest import Keys
from tests.connectors.fakes import googledrive as fake
from tests.connectors.fakes.googledrive import FakeDrive
from tests.connectors.provider_flow import connect, discover, imported


async def connected(client: httpx.AsyncClient, keys: Keys, drive: FakeDrive) -> dict[str, str]:
    headers = await keys.headers("acme")
    answer = await connect(client, headers, "googledrive", drive.credentials())
    assert answer.status_code == 200, answer.text
    return headers


async def files_by_title(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> dict[str, dict[str, Any]]:
    answer = await discover(client, headers, "googledrive")
    assert answer.status_code == 200, answer.text
    return {resource["title"]: resource for resource in answer.json()}


async def import_files(
    client: httpx.AsyncClient, headers: dict[str, str], *titles: str
) -> list[dict[str, Any]]:
    """Discover, register and ingest the files; their settled records, in order."""
    found = await files_by_title(client, headers)
    chosen = [found[title] for title in titles]
    records = await imported(client, headers, "googledrive", chosen)
    return [records[resource["externalId"]] for resource in chosen]


def text_of(document: dict[str, Any]) -> str:
    return "\n".join(document["paragraphs"])


async def test_connect_checks_credentials_and_never_shows_secrets(
    client: httpx.AsyncClient, keys: Keys, drive: FakeDrive
) -> None:
    headers = await keys.headers("acme")
    foreign_key = json.dumps(drive.service_account_json(key_name="a deleted key"))
    refused = await connect(
        client, headers, "googledrive", drive.credentials(serviceAccountJson=foreign_key)
    )
    assert refused.status_code == 400
    assert "invalid_grant: Invalid JWT Signature." in refused.json()["message"]

    not_a_key = await connect(
        client, headers, "googledrive", drive.credentials(serviceAccountJson="{}")
    )
    assert not_a_key.status_code == 400
    assert "serviceAccountJson" in not_a_key.json()["message"]

    stranger = await connect(
        client, headers, "googledrive", drive.credentials(subject="eve@acme.example")
    )
    assert stranger.status_code == 400 and "unauthorized_client" in stranger.json()["message"]

    wrong_refresh = await connect(
        client, headers, "googledrive", drive.oauth_credentials(refreshToken="1//old")
    )
    assert wrong_refresh.status_code == 400
    assert "Token has been expired or revoked." in wrong_refresh.json()["message"]

    as_object = drive.credentials(
        serviceAccountJson=drive.service_account_json(), subject=fake.DELEGATED_USER
    )
    delegated = await connect(client, headers, "googledrive", as_object)
    assert delegated.status_code == 200, delegated.text
    assert delegated.json()["account"] == fake.DELEGATED_USER
    by_refresh_token = await connect(client, headers, "googledrive", drive.oauth_credentials())
    assert by_refresh_token.status_code == 200, by_refresh_token.text
    assert by_refresh_token.json()["account"] == fake.OAUTH_USER
    assert by_refresh_token.json()["baseUrl"] == drive.url

    listed = await client.get("/v2/connections/public", headers=headers)
    assert [c["provider"] for c in listed.json()["connections"]] == ["googledrive"]
    private_key_line = fake.private_key_pem("service-account").splitlines()[1]
    for answer in (
        refused,
        not_a_key,
        stranger,
        wrong_refresh,
        delegated,
        by_refresh_token,
        listed,
    ):
        for secret in (private_key_line, fake.CLIENT_SECRET, fake.REFRESH_TOKEN, "1//old"):
            assert secret not in answer.text


async def test_discovery_lists_every_importable_file(
    client: httpx.AsyncClient, keys: Keys, drive: FakeDrive
) -> None:
    headers = await connected(client, keys, drive)
    found = await files_by_title(client, headers)

    faq = [f"FAQ {n}" for n in range(1, 9)]
    assert set(found) == {
        "Refund policy",
        fake.UNICODE_TITLE,
        "Untitled document",
        "Product manual",
        "Pricing",
        "Onboarding checklist",
        "Release notes",
        *faq,
    }  # no folders, no spreadsheet, nothing from the trash
    assert found["Refund policy"] == {
        "externalId": "1RefundPolicyDoc01",
        "title": "Refund policy",
        "originalUrl": "https://docs.google.com/document/d/1RefundPolicyDoc01/edit?usp=drivesdk",
        "mimeType": fake.GOOGLE_DOC,
        "iconLink": f"https://drive-thirdparty.googleusercontent.com/16/type/{fake.GOOGLE_DOC}",
        "object": "file",
    }
    assert found["Pricing"]["mimeType"] == fake.PDF
    assert drive.requests.count("/drive/v3/files") == 4  # 15 files, 4 a page


async def test_imported_files_become_paragraphs(
    client: httpx.AsyncClient, keys: Keys, drive: FakeDrive, workers: Worker
) -> None:
    headers = await connected(client, keys, drive)
    refund, shipping, empty, manual, pricing, checklist, notes = await import_files(
        client,
        headers,
        "Refund policy",
        fake.UNICODE_TITLE,
        "Untitled document",
        "Product manual",
        "Pricing",
        "Onboarding checklist",
        "Release notes",
    )

    assert refund["linkedJobStatus"] == "COMPLETED", refund["error"]
    assert refund["source"] == "googledrive" and refund["title"] == "Refund policy"
    assert "# Who can ask for a refund\nCustomers can ask for a refund" in text_of(refund)
    assert (
        "- Keep the original packaging.\n- Attach the order number to the request."
        in refund["paragraphs"]
    )
    assert "within five working days" in text_of(refund)
    assert "font-family" not in text_of(refund)

    assert shipping["linkedJobStatus"] == "COMPLETED", shipping["error"]
    assert shipping["title"] == fake.UNICODE_TITLE
    assert "海外への配送には5〜10営業日かかります。" in text_of(shipping)

    assert empty["linkedJobStatus"] == "FAILED" and "no text" in empty["error"]

    assert manual["linkedJobStatus"] == "COMPLETED", manual["error"]  # through its export link
    assert "three seconds" in text_of(manual)

    assert pricing["linkedJobStatus"] == "COMPLETED", pricing["error"]
    assert pricing["mimeType"] == "application/pdf" and pricing["title"] == "Pricing"
    assert "12 euros per seat" in text_of(pricing)

    assert checklist["linkedJobStatus"] == "COMPLETED", checklist["error"]
    assert checklist["mimeType"] == fake.DOCX
    assert "- Shadow two senior agents for a full shift each" in text_of(checklist)

    assert notes["linkedJobStatus"] == "COMPLETED", notes["error"]
    assert "twice as fast" in text_of(notes)

    assert "Refund policy" not in await files_by_title(client, headers)


async def test_a_doc_over_the_export_limit_without_export_link_fails_clearly(
    client: httpx.AsyncClient, keys: Keys, drive: FakeDrive, workers: Worker
) -> None:
    headers = await connected(client, keys, drive)
    drive.files["1ProductManualDoc4"].export_links = False
    (document,) = await import_files(client, headers, "Product manual")
    assert document["linkedJobStatus"] == "FAILED"
    assert "10 MB export limit" in document["error"]


async def test_quota_errors_are_retried_until_the_storm_ends(
    client: httpx.AsyncClient, keys: Keys, drive: FakeDrive, workers: Worker
) -> None:
    headers = await connected(client, keys, drive)
    resource = (await files_by_title(client, headers))["Refund policy"]
    drive.storm(2)  # 403 userRateLimitExceeded, then 429
    document = (await imported(client, headers, "googledrive", [resource]))["1RefundPolicyDoc01"]
    assert document["linkedJobStatus"] == "COMPLETED", document["error"]
    assert drive.storm_left == 0 and drive.quota_403s_served == 1
    assert "within five working days" in text_of(document)


async def test_existing_ids_notice_trashed_and_deleted_files(drive: FakeDrive) -> None:
    credentials = connections.parse_credentials(Provider.GOOGLEDRIVE, drive.credentials())
    connector = connections.build_connector(credentials, FetchPolicy.from_strings("127.0.0.1/32"))
    refs = [ResourceRef(i) for i in ("1RefundPolicyDoc01", "1PricingPdfFile005", "1NoSuchFile0000")]
    try:
        assert await connector.existing_ids(refs) == {"1RefundPolicyDoc01", "1PricingPdfFile005"}
        drive.trash("1RefundPolicyDoc01")
        drive.delete("1PricingPdfFile005")
        assert await connector.existing_ids(refs) == set()
    finally:
        await connector.aclose()
