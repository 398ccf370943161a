"""robots.txt rules (RFC 9309), parsed with protego and cached per origin."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
from protego import Protego

from kbsmith.fetching.errors import FetchError, HttpStatusError
from kbsmith.fetching.result import FetchResult

logger = logging.getLogger(__name__)

RobotsFetcher = Callable[[str], Awaitable[FetchResult]]

ROBOTS_TTL = 24 * 3600.0
"""RFC 9309: cached rules should not be used for more than 24 hours."""
UNREACHABLE_TTL = 300.0
"""How long "allow all" is assumed after a 5xx/429/network failure before retrying."""
ROBOTS_MAX_BYTES = 512 * 1024
"""RFC 9309 asks parsers to handle at least 500 KiB."""


@dataclass(frozen=True)
class RobotsRules:
    robots_url: str
    parser: Any  # protego.Protego (untyped)
    expires_at: float

    def allows(self, url: str, agent: str) -> bool:
        return bool(self.parser.can_fetch(url, agent))

    def crawl_delay(self, agent: str) -> float | None:
        delay = self.parser.crawl_delay(agent)
        return None if delay is None else float(delay)

    def sitemaps(self) -> list[str]:
        return [urljoin(self.robots_url, line.strip()) for line in self.parser.sitemaps]


class RobotsCache:
    """Fetches each origin's robots.txt once per TTL, concurrent callers share the fetch."""

    def __init__(
        self,
        fetch: RobotsFetcher,
        *,
        ttl: float = ROBOTS_TTL,
        unreachable_ttl: float = UNREACHABLE_TTL,
        max_entries: int = 4096,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._unreachable_ttl = unreachable_ttl
        self._max_entries = max_entries
        self._rules: OrderedDict[str, RobotsRules] = OrderedDict()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def rules_for(self, url: httpx.URL) -> RobotsRules:
        key = f"{url.scheme}://{url.netloc.decode('ascii')}"
        rules = self._fresh(key)
        if rules is not None:
            return rules
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            rules = self._fresh(key) or await self._download(str(url.join("/robots.txt")))
            self._store(key, rules)
            return rules

    def _fresh(self, key: str) -> RobotsRules | None:
        rules = self._rules.get(key)
        if rules is None or rules.expires_at <= time.monotonic():
            return None
        return rules

    def _store(self, key: str, rules: RobotsRules) -> None:
        self._rules[key] = rules
        self._rules.move_to_end(key)
        while len(self._rules) > self._max_entries:
            self._rules.popitem(last=False)

    async def _download(self, robots_url: str) -> RobotsRules:
        try:
            result = await self._fetch(robots_url)
        except HttpStatusError as exc:
            # RFC 9309: 4xx means "no robots.txt", i.e. everything is allowed.
            # 429 is treated like a server error (as Google does).
            unavailable = 400 <= exc.status < 500 and exc.status != 429
            return self._allow_all(robots_url, self._ttl if unavailable else self._unreachable_ttl)
        except FetchError as exc:
            # RFC 9309 would assume "disallow all" here; an unreachable robots.txt
            # usually means an unreachable site, so allow and let the page fetch fail.
            logger.info("robots.txt %s unreachable (%s); allowing for now", robots_url, exc)
            return self._allow_all(robots_url, self._unreachable_ttl)
        text = result.body.decode("utf-8-sig", errors="replace")
        return self._rules_from(robots_url, text, self._ttl)

    def _allow_all(self, robots_url: str, ttl: float) -> RobotsRules:
        return self._rules_from(robots_url, "", ttl)

    @staticmethod
    def _rules_from(robots_url: str, text: str, ttl: float) -> RobotsRules:
        return RobotsRules(robots_url, Protego.parse(text), time.monotonic() + ttl)
