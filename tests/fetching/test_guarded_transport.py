"""The guarded httpx transport for provider API clients: every hop vetted, loopback refused."""

from __future__ import annotations

import httpx
import pytest

from kbsmith.fetching import BlockedAddress, FetchPolicy, GuardedTransport, InvalidUrl
from tests.fetching.conftest import make_policy
from tests.support.hostile_server import HostileServer


async def test_allowed_host_is_reached(server: HostileServer) -> None:
    async with httpx.AsyncClient(transport=GuardedTransport(make_policy())) as client:
        response = await client.post(server.url("/echo-host"), json={"x": 1})
    assert response.status_code == 200
    assert response.text == f"127.0.0.1:{server.port}"


async def test_every_redirect_hop_is_vetted(server: HostileServer) -> None:
    transport = GuardedTransport(make_policy())
    async with httpx.AsyncClient(transport=transport, follow_redirects=True) as client:
        with pytest.raises(BlockedAddress, match=r"169\.254\.169\.254"):
            await client.get(server.url("/to-metadata"))
        with pytest.raises(BlockedAddress, match=r"10\.0\.0\.1"):
            await client.get(server.url("/to-private"))


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/", "http://[::1]:9/", "http://2130706433/"])
async def test_loopback_is_refused_without_an_allow_list(url: str) -> None:
    async with httpx.AsyncClient(transport=GuardedTransport(FetchPolicy())) as client:
        with pytest.raises((BlockedAddress, InvalidUrl)):
            await client.get(url)
