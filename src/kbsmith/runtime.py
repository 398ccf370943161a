"""Long-lived collaborators of one process (HTTP clients, models), built once from settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar, cast

from kbsmith.extraction.isolated import IsolatedExtractor
from kbsmith.extraction.limits import ProcessBudget
from kbsmith.fetching import FetchPolicy, GuardedClient
from kbsmith.settings import Settings


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy.from_strings(
        settings.fetch_allow_networks,
        max_bytes=settings.fetch_max_bytes,
        connect_timeout=settings.fetch_connect_timeout,
        total_timeout=settings.fetch_total_timeout,
        per_host_concurrency=settings.fetch_per_host_concurrency,
        default_crawl_delay=settings.fetch_crawl_delay,
        obey_robots=settings.fetch_obey_robots,
    )


class Closeable(Protocol):
    async def aclose(self) -> None: ...


T = TypeVar("T", bound=Closeable)


class Shared(Generic[T]):
    """A costly per-process collaborator that a domain builds lazily (the generator: its
    embedding model and candidate index), shared by every job of the process. The key is
    typed: ``Runtime.shared(key)`` answers what ``build`` makes, checked by mypy."""

    def __init__(self, name: str, build: Callable[[Runtime], T]) -> None:
        self.name = name
        self.build = build


class Runtime:
    """Shared by the API and the workers of a process, so robots caches and politeness hold."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._fetcher: GuardedClient | None = None
        self._extractor: IsolatedExtractor | None = None
        self._shared: dict[object, Closeable] = {}
        self._building = asyncio.Lock()

    @property
    def policy(self) -> FetchPolicy:
        return fetch_policy(self.settings)

    @property
    def fetcher(self) -> GuardedClient:
        if self._fetcher is None:
            self._fetcher = GuardedClient(self.policy)
        return self._fetcher

    @property
    def extractor(self) -> IsolatedExtractor:
        """Extraction in bounded child processes, started when first needed."""
        if self._extractor is None:
            settings = self.settings
            budget = ProcessBudget(
                cpu_seconds=settings.extract_cpu_seconds,
                wall_seconds=settings.extract_wall_seconds,
                memory_bytes=settings.extract_memory_mb * 1024 * 1024,
            )
            self._extractor = IsolatedExtractor(budget, settings.extract_processes)
        return self._extractor

    async def shared(self, key: Shared[T]) -> T:
        """Built once per process, in a thread (a model loads meanwhile while leases are
        renewed); concurrent first callers wait for the one build."""
        async with self._building:
            if key not in self._shared:
                self._shared[key] = await asyncio.to_thread(key.build, self)
            return cast(T, self._shared[key])

    async def aclose(self) -> None:
        for shared in self._shared.values():
            await shared.aclose()
        self._shared.clear()
        if self._fetcher is not None:
            await self._fetcher.aclose()
            self._fetcher = None
        if self._extractor is not None:
            await self._extractor.aclose()
            self._extractor = None
