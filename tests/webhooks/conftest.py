"""Fixtures for webhook tests: those of the schedule tests (settings that admit 127.0.0.1 with
fast retries, a verifying receiver, workers in process), with a workspace of their own."""

from __future__ import annotations

import pytest

from tests.conftest import Keys
from tests.schedules.conftest import receiver_server, settings, workers
from tests.support.receiver import Receiver, ReceiverServer

__all__ = ["receiver_server", "settings", "workers"]


@pytest.fixture
def receiver(receiver_server: ReceiverServer) -> Receiver:
    return receiver_server.receiver


@pytest.fixture
async def headers(keys: Keys) -> dict[str, str]:
    return await keys.headers("hooks")
