"""`kbsmith connect`: store a provider's credentials for a workspace from a terminal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbsmith.connectors import service
from kbsmith.db.database import Database
from kbsmith.errors import InvalidInput
from kbsmith.providers import parse_provider
from kbsmith.runtime import fetch_policy
from kbsmith.settings import Settings
from kbsmith.workspaces.service import get_or_create_workspace


@dataclass(frozen=True)
class ConnectOptions:
    provider: str
    workspace: str
    fields: list[str]
    """KEY=VALUE pairs, with the API's camelCase keys (token, subdomain, apiToken, baseUrl…)."""
    json_file: Path | None
    """A JSON file with the whole body (e.g. for a Google service-account key)."""


def credentials_body(options: ConnectOptions) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if options.json_file is not None:
        try:
            loaded = json.loads(options.json_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidInput(f"--json {options.json_file}: {error}") from None
        if not isinstance(loaded, dict):
            raise InvalidInput("the JSON file must hold an object")
        body.update(loaded)
    for pair in options.fields:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(f"--field expects KEY=VALUE, got {pair!r}")
        body[key] = value
    return body


async def connect_from_cli(db: Database, settings: Settings, options: ConnectOptions) -> str:
    """Check the credentials with the provider, then keep them sealed; answers the account."""
    credentials = service.parse_credentials(
        parse_provider(options.provider, "provider"), credentials_body(options)
    )
    account = await service.verify(credentials, fetch_policy(settings))
    async with db.write() as session:
        workspace = await get_or_create_workspace(session, options.workspace)
        await service.save_connection(
            session, workspace.id, credentials, account, settings.resolved_secret_key
        )
    return account
