"""Job kinds: what runs a kind, how often it may be tried, how many run at once."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from kbsmith.jobs.context import JobContext

Handler = Callable[["JobContext"], Awaitable[None]]
FailureHook = Callable[["AsyncSession", "FailedJob"], Awaitable[None]]
"""Runs in the transaction that marks a job FAILED for good, to record the failure elsewhere."""


@dataclass(frozen=True)
class FailedJob:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    workspace_id: uuid.UUID | None
    error: str


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    concurrency: int | None = None
    """At most this many jobs of the kind at once in one worker process (None: the worker's)."""
    timeout: float | None = None
    """Seconds one attempt may take before it is cancelled and counted as a retryable failure."""
    on_failure: FailureHook | None = None


class JobRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}

    def register(self, kind: JobKind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"job kind {kind.name!r} registered twice")
        self._kinds[kind.name] = kind

    def handler(
        self,
        name: str,
        *,
        concurrency: int | None = None,
        timeout: float | None = None,
        on_failure: FailureHook | None = None,
    ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.register(JobKind(name, handler, concurrency, timeout, on_failure))
            return handler

        return decorate

    def find(self, name: str) -> JobKind | None:
        return self._kinds.get(name)

    def get(self, name: str) -> JobKind:
        return self._kinds[name]

    def __iter__(self) -> Iterator[JobKind]:
        return iter(self._kinds.values())

    def __len__(self) -> int:
        return len(self._kinds)
