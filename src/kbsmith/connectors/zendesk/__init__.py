"""Zendesk Help Center as a source provider."""

from __future__ import annotations

from typing import Any

from kbsmith.connectors.base import Connector
from kbsmith.connectors.registry import ProviderSpec, register
from kbsmith.connectors.zendesk.connector import ZendeskConnector
from kbsmith.connectors.zendesk.credentials import ZendeskCredentials
from kbsmith.fetching import FetchPolicy
from kbsmith.providers import Provider


def build(credentials: dict[str, Any], base_url: str | None, policy: FetchPolicy) -> Connector:
    return ZendeskConnector(ZendeskCredentials.model_validate(credentials), base_url, policy)


SPEC = register(ProviderSpec(Provider.ZENDESK, ZendeskCredentials, build))
