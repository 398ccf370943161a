from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from kbsmith.fetching import ConnectionFailed, FetchPolicy, GuardedClient
from kbsmith.fetching.addresses import IPAddress
from tests.support.hostile_server import HostileServer

SECRET = "TOP-SECRET-7f3a"

FAKE_DNS = {
    "docs.test": ["127.0.0.1"],
    "xxe.test": ["127.0.0.1"],
    "polite.test": ["127.0.0.1"],
    "norobots.test": ["127.0.0.1"],
    "robots500.test": ["127.0.0.1"],
    "secure.test": ["127.0.0.1"],
    "wrong.test": ["127.0.0.1"],
    "intranet.test": ["10.0.0.5"],
    "mixed.test": ["127.0.0.1", "10.0.0.5"],
    "v6-loopback.test": ["::1"],
    "metadata.test": ["169.254.169.254"],
}


class FakeResolver:
    """Resolves the ``*.test`` names to fixed addresses and records every lookup."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.calls.append(host)
        if host not in FAKE_DNS:
            raise ConnectionFailed(f"could not resolve host {host}", retryable=False)
        return [ipaddress.ip_address(address) for address in FAKE_DNS[host]]


def make_policy(**overrides: object) -> FetchPolicy:
    settings: dict[str, object] = {
        "allow_networks": (ipaddress.ip_network("127.0.0.1/32"),),
        "max_bytes": 1024 * 1024,
        "connect_timeout": 1.0,
        "total_timeout": 1.0,
        "max_redirects": 5,
    }
    settings.update(overrides)
    return FetchPolicy(**settings)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    secret_file: Path = tmp_path_factory.mktemp("secrets") / "secret.txt"
    secret_file.write_text(SECRET)
    hostile = HostileServer()
    hostile.secret_file = str(secret_file)
    hostile.start()
    yield hostile
    hostile.stop()


@pytest.fixture
def resolver() -> FakeResolver:
    return FakeResolver()


@pytest.fixture
def policy() -> FetchPolicy:
    return make_policy()


@pytest.fixture
async def client(policy: FetchPolicy, resolver: FakeResolver) -> AsyncIterator[GuardedClient]:
    async with GuardedClient(policy, resolver=resolver) as guarded:
        yield guarded
