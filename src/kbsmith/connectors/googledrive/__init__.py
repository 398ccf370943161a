"""Google Drive as a source provider."""

from __future__ import annotations

from typing import Any

from kbsmith.connectors.base import Connector
from kbsmith.connectors.googledrive.connector import DriveConnector
from kbsmith.connectors.googledrive.credentials import DriveCredentials
from kbsmith.connectors.registry import ProviderSpec, register
from kbsmith.fetching import FetchPolicy
from kbsmith.providers import Provider


def build(credentials: dict[str, Any], base_url: str | None, policy: FetchPolicy) -> Connector:
    return DriveConnector(DriveCredentials.model_validate(credentials), base_url, policy)


SPEC = register(ProviderSpec(Provider.GOOGLEDRIVE, DriveCredentials, build))
