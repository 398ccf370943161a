"""Polling helpers: wait for a condition with a deadline instead of sleeping blindly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy import func, select

from kbsmith.db.database import Database
from kbsmith.jobs.models import TERMINAL_STATUSES, Job

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    timeout: float = 30.0,
    interval: float = 0.05,
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value!r}")
        await asyncio.sleep(interval)


async def job_statuses(db: Database, kind: str | None = None) -> dict[str, int]:
    async with db.read() as session:
        query = select(Job.status, func.count()).group_by(Job.status)
        if kind:
            query = query.where(Job.kind == kind)
        return {status: count for status, count in (await session.execute(query)).all()}


async def wait_for_jobs(db: Database, total: int, timeout: float = 60.0) -> dict[str, int]:
    def all_terminal(statuses: dict[str, int]) -> bool:
        return sum(statuses.get(s, 0) for s in TERMINAL_STATUSES) >= total

    return await eventually(lambda: job_statuses(db), all_terminal, timeout, interval=0.1)


async def load_jobs(db: Database, ids: Sequence[object] | None = None) -> list[Job]:
    async with db.read() as session:
        query = select(Job)
        if ids is not None:
            query = query.where(Job.id.in_(ids))
        return list((await session.execute(query)).scalars())
