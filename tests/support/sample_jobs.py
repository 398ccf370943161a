"""Job kinds used by the engine tests, in-process and in worker processes."""

from __future__ import annotations

import asyncio

from kbsmith.jobs.context import JobContext
from kbsmith.jobs.errors import RetryableJobError
from kbsmith.jobs.registry import FailureHook, JobRegistry
from tests.support.effects import record_effect


def sample_registry(on_failure: FailureHook | None = None) -> JobRegistry:
    registry = JobRegistry()

    @registry.handler("test.effect")
    async def effect(ctx: JobContext) -> None:
        await asyncio.sleep(float(ctx.payload.get("sleep", 0)))
        async with ctx.finishing() as session:
            await record_effect(session, str(ctx.job.id), ctx.job.attempt)

    @registry.handler("test.flaky")
    async def flaky(ctx: JobContext) -> None:
        if ctx.job.attempt < int(ctx.payload["succeed_on"]):
            raise RetryableJobError(f"passing failure on attempt {ctx.job.attempt}")
        async with ctx.finishing() as session:
            await record_effect(session, str(ctx.job.id), ctx.job.attempt)

    @registry.handler("test.always_fails", on_failure=on_failure)
    async def always_fails(ctx: JobContext) -> None:
        raise RetryableJobError(f"still broken on attempt {ctx.job.attempt}")

    @registry.handler("test.noop")
    async def noop(ctx: JobContext) -> None:
        return None

    return registry
