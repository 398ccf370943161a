"""Per-host politeness: bounded concurrency and spacing between request starts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _HostState:
    semaphore: asyncio.Semaphore
    spacing: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    users: int = 0


class PolitenessGate:
    """``async with gate.slot(host, delay):`` around every request to *host*.

    At most ``per_host_concurrency`` requests run at once per host, and two
    request starts to the same host are at least *delay* seconds apart.
    """

    def __init__(self, per_host_concurrency: int, *, max_idle_hosts: int = 4096) -> None:
        self._per_host_concurrency = per_host_concurrency
        self._max_idle_hosts = max_idle_hosts
        self._hosts: dict[str, _HostState] = {}

    @asynccontextmanager
    async def slot(self, host: str, delay: float) -> AsyncIterator[None]:
        state = self._state_for(host)
        state.users += 1
        try:
            async with state.semaphore:
                await self._wait_for_turn(state, delay)
                yield
        finally:
            state.users -= 1

    @staticmethod
    async def _wait_for_turn(state: _HostState, delay: float) -> None:
        async with state.spacing:
            wait = state.next_start - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            state.next_start = time.monotonic() + delay

    def _state_for(self, host: str) -> _HostState:
        state = self._hosts.get(host)
        if state is None:
            self._forget_idle_hosts()
            state = _HostState(asyncio.Semaphore(self._per_host_concurrency))
            self._hosts[host] = state
        return state

    def _forget_idle_hosts(self) -> None:
        if len(self._hosts) < self._max_idle_hosts:
            return
        now = time.monotonic()
        idle = [h for h, s in self._hosts.items() if s.users == 0 and s.next_start <= now]
        for host in idle:
            del self._hosts[host]
