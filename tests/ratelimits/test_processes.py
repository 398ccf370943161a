"""The limit holds across API processes: two `kbsmith serve` share one count per key."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.cli import free_port, migrated_env, read_write_key, start_serve
from tests.support.processes import stop

LIMIT = 40
REQUESTS = 100


@pytest.mark.slow
async def test_two_api_processes_hold_one_limit(tmp_path: Path, database_url: str) -> None:
    env = migrated_env(tmp_path, database_url)
    env["KBSMITH_RATE_LIMIT"] = str(LIMIT)
    headers = {"Authorization": f"Bearer {read_write_key(env)}"}
    ports = [free_port(), free_port()]
    servers = [start_serve(env, port, "--workers", "0") for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, server in zip(bases, servers, strict=True):
            await _up(base, server)
        await _early_in_a_minute()
        statuses = await _burst(bases, headers)
    finally:
        for server in servers:
            stop(server)  # type: ignore[arg-type]

    allowed = statuses.count(200)
    assert statuses.count(429) == REQUESTS - allowed
    assert abs(allowed - LIMIT) <= LIMIT * 0.05, allowed


async def _up(base: str, server: subprocess.Popen[str]) -> None:
    """Generous: two servers starting at once on a loaded machine can take a while."""
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert server.poll() is None, "kbsmith serve exited early"
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.2)
    raise AssertionError("server did not start")


async def _early_in_a_minute() -> None:
    """The burst must not straddle two windows: start within the first 20 s of a minute."""
    while time.time() % 60 > 20:
        await asyncio.sleep(0.5)


async def _burst(bases: list[str], headers: dict[str, str]) -> list[int]:
    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(headers=headers, timeout=120) as client:

        async def one(index: int) -> int:
            async with gate:
                answer = await client.get(f"{bases[index % 2]}/v2/webhooks/public")
                return answer.status_code

        return list(await asyncio.gather(*(one(i) for i in range(REQUESTS))))
