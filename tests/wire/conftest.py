"""Replays of Fini's documented requests need the local web server and in-process workers of
the source tests."""

from tests.sources.conftest import app, settings, site, workers

__all__ = ["app", "settings", "site", "workers"]
