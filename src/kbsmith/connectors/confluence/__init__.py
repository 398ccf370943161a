"""Confluence connector (Cloud and Data Center): importing this package registers the provider."""

from kbsmith.connectors.confluence.connector import SPEC, ConfluenceConnector
from kbsmith.connectors.confluence.credentials import ConfluenceCredentials

__all__ = ["SPEC", "ConfluenceConnector", "ConfluenceCredentials"]
