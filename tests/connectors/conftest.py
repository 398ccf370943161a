"""Connector tests reuse the source tests' fixtures (settings that admit 127.0.0.1, workers),
and each provider's fake API as a real HTTP server on 127.0.0.1."""

from collections.abc import Iterator

import pytest

from tests.connectors.fakes.confluence import FakeConfluence
from tests.connectors.fakes.googledrive import FakeDrive
from tests.connectors.fakes.notion import FakeNotion
from tests.connectors.fakes.zendesk import FakeZendesk
from tests.sources.conftest import app, settings, site, workers

__all__ = ["app", "confluence", "drive", "notion", "settings", "site", "workers", "zendesk"]


@pytest.fixture
def notion() -> Iterator[FakeNotion]:
    fake = FakeNotion().start()
    yield fake
    fake.stop()


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def confluence() -> Iterator[FakeConfluence]:
    fake = FakeConfluence().start()
    yield fake
    fake.stop()


@pytest.fixture
def drive() -> Iterator[FakeDrive]:
    fake = FakeDrive()
    fake.start()
    yield fake
    fake.stop()
