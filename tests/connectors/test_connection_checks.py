"""A connection check that fails says what failed: a refused credential, or an address that
does not serve the provider's API (a 404 there is no deleted document)."""

from __future__ import annotations

from typing import Any

import pytest

from kbsmith.connectors import service
from kbsmith.errors import InvalidInput
from kbsmith.providers import Provider
from kbsmith.runtime import fetch_policy
from kbsmith.settings import Settings
from tests.connectors.fakes.confluence import API_TOKEN, EMAIL, SITE, FakeConfluence
from tests.connectors.fakes.googledrive import FakeDrive
from tests.connectors.fakes.notion import TOKEN, FakeNotion
from tests.connectors.fakes.zendesk import FakeZendesk

WRONG_PATH = "/not-the-api"


async def check_failure(provider: Provider, body: dict[str, Any]) -> str:
    credentials = service.parse_credentials(provider, dict(body))
    policy = fetch_policy(Settings(fetch_allow_networks="127.0.0.1/32", fetch_total_timeout=5))
    with pytest.raises(InvalidInput) as failed:
        await service.verify(credentials, policy)
    return failed.value.message


def assert_names_the_address(message: str, provider: str, path: str, field: str) -> None:
    assert "deleted upstream" not in message
    assert f"answered 404 to {WRONG_PATH}{path}" in message, message
    assert field in message and f"does not serve the {provider} API" in message


async def test_notion_check_tells_a_wrong_address_from_a_refused_token(notion: FakeNotion) -> None:
    wrong_address = await check_failure(
        Provider.NOTION, {"token": TOKEN, "baseUrl": notion.url + WRONG_PATH}
    )
    assert_names_the_address(wrong_address, "notion", "/v1/users/me", "baseUrl")
    refused = await check_failure(Provider.NOTION, {"token": "secret_wrong", "baseUrl": notion.url})
    assert refused.startswith("notion refused the credentials: Notion answered HTTP 401")


async def test_zendesk_check_tells_a_wrong_address_from_refused_credentials(
    zendesk: FakeZendesk,
) -> None:
    wrong_address = await check_failure(
        Provider.ZENDESK, zendesk.credentials(baseUrl=zendesk.url + WRONG_PATH)
    )
    assert_names_the_address(wrong_address, "zendesk", "/api/v2/users/me.json", "subdomain")
    refused = await check_failure(Provider.ZENDESK, zendesk.credentials(apiToken="wrong"))
    assert refused.startswith("zendesk refused the credentials: Zendesk answered HTTP 401")


async def test_confluence_check_tells_a_wrong_address_from_a_refused_token(
    confluence: FakeConfluence,
) -> None:
    cloud = {"siteUrl": SITE, "email": EMAIL, "apiToken": API_TOKEN}
    wrong_address = await check_failure(
        Provider.CONFLUENCE, {**cloud, "baseUrl": confluence.url + WRONG_PATH}
    )
    assert_names_the_address(wrong_address, "confluence", "/wiki/api/v2/spaces", "siteUrl")
    refused = await check_failure(
        Provider.CONFLUENCE, {**cloud, "apiToken": "wrong", "baseUrl": confluence.url}
    )
    assert refused.startswith("confluence refused the credentials: Confluence answered HTTP 401")


async def test_google_drive_check_tells_a_wrong_address_from_refused_credentials(
    drive: FakeDrive,
) -> None:
    wrong_address = await check_failure(
        Provider.GOOGLEDRIVE, drive.credentials(baseUrl=drive.url + WRONG_PATH)
    )
    assert_names_the_address(wrong_address, "googledrive", "/drive/v3/about", "baseUrl")
    refused = await check_failure(
        Provider.GOOGLEDRIVE, drive.oauth_credentials(clientId="unknown-client")
    )
    assert refused.startswith("googledrive refused the credentials: Google refused")
    assert "invalid_client" in refused
