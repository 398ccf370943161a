"""Notion connector: importing this package registers the provider."""

from kbsmith.connectors.notion.connector import SPEC, NotionConnector, NotionCredentials

__all__ = ["SPEC", "NotionConnector", "NotionCredentials"]
