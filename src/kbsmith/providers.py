"""The kinds of source, by their wire names: shared by `sources` (records) and `connectors`
(one connector per connected provider), so neither imports the other for it."""

from __future__ import annotations

from enum import StrEnum

from kbsmith.errors import FIELD, InvalidInput


class Provider(StrEnum):
    WEB = "web"
    FILES = "files"
    GOOGLEDRIVE = "googledrive"
    NOTION = "notion"
    ZENDESK = "zendesk"
    CONFLUENCE = "confluence"


CONNECTED_PROVIDERS = frozenset(
    {Provider.GOOGLEDRIVE, Provider.NOTION, Provider.ZENDESK, Provider.CONFLUENCE}
)
"""Providers whose documents come through a workspace connection (issue: connectors)."""


def parse_provider(value: str, field: str = "source") -> Provider:
    try:
        return Provider(value)
    except ValueError:
        choices = ", ".join(p.value for p in Provider)
        raise InvalidInput(f"{FIELD} must be one of {choices}; got {value!r}", field) from None
