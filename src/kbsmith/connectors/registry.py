"""Which providers exist: a provider is one module that registers a ProviderSpec here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from kbsmith.connectors.base import Connector
from kbsmith.fetching import FetchPolicy
from kbsmith.providers import Provider


@dataclass(frozen=True)
class ProviderSpec:
    provider: Provider
    credentials: type[BaseModel]
    """Validates the body of PUT /v2/connections/{provider}/public (camelCase fields)."""
    build: Callable[[dict[str, Any], str | None, FetchPolicy], Connector]
    """(credentials as stored, baseUrl or None, fetch policy) → a connector."""


_SPECS: dict[Provider, ProviderSpec] = {}


def register(spec: ProviderSpec) -> ProviderSpec:
    _SPECS[spec.provider] = spec
    return spec


def spec_for(provider: Provider) -> ProviderSpec | None:
    _load_providers()
    return _SPECS.get(provider)


def _load_providers() -> None:
    """Import the provider modules once; each registers itself."""
    import importlib

    for module in PROVIDER_MODULES:
        importlib.import_module(module)


PROVIDER_MODULES: list[str] = [
    "kbsmith.connectors.notion",
    "kbsmith.connectors.confluence",
    "kbsmith.connectors.zendesk",
    "kbsmith.connectors.googledrive",
]
"""e.g. "kbsmith.connectors.notion"; a new provider adds its module here."""
