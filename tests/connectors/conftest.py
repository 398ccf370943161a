"""Connector tests reuse the source tests' fixtures: settings that admit 127.0.0.1, workers."""

from tests.sources.conftest import app, settings, site, workers

__all__ = ["app", "settings", "site", "workers"]
