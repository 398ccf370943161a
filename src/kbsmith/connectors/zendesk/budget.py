"""Zendesk's per-minute request budget, read from its rate-limit headers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

MAX_WAIT_SECONDS = 60.0


class MinuteBudget:
    """Waits for the next window once Zendesk says no request is left in this one.

    Zendesk answers 429 when the budget is spent; waiting first keeps the budget for the
    account's other integrations and spares a retry.
    """

    def __init__(self) -> None:
        self._resume_at = 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        remaining = _number(
            headers.get("ratelimit-remaining") or headers.get("x-rate-limit-remaining")
        )
        if remaining is None or remaining > 0:
            return
        reset = _number(headers.get("ratelimit-reset"))
        if reset is None:
            reset = 60.0 - time.time() % 60.0
        self._resume_at = time.monotonic() + min(max(reset, 0.0), MAX_WAIT_SECONDS)

    async def wait(self) -> None:
        delay = self._resume_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
