"""JSON over HTTP to a provider: guarded transport, auth, rate limits, retries, size caps."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from kbsmith.connectors.base import (
    ConnectorError,
    CredentialsRejected,
    DeletedUpstream,
    ProviderBusy,
)
from kbsmith.fetching import FetchError, FetchPolicy, GuardedTransport
from kbsmith.fetching.errors import parse_retry_after

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

ErrorMapper = Callable[[httpx.Response], ConnectorError | None]
"""A provider's own reading of an error answer (None: use the default mapping)."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    """A longer Retry-After ends our retries: the job is retried later by the queue instead."""


class ProviderHttp:
    """One API client per connection; ``min_interval`` spaces requests (Notion: 3 a second)."""

    def __init__(
        self,
        name: str,
        base_url: str,
        policy: FetchPolicy,
        *,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        min_interval: float = 0.0,
        retry: RetryPolicy | None = None,
        retry_when: Callable[[httpx.Response], bool] | None = None,
        error_for: ErrorMapper | None = None,
    ) -> None:
        """``retry_when`` marks more answers as passing (Drive's 403 quota errors);
        ``error_for`` maps a provider's error bodies before the status-based default."""
        self.name = name
        self._max_bytes = policy.max_bytes
        self._client = httpx.AsyncClient(
            base_url=base_url,
            transport=GuardedTransport(policy),
            headers={"User-Agent": policy.user_agent, **(headers or {})},
            auth=auth,
            timeout=httpx.Timeout(policy.total_timeout, connect=policy.connect_timeout),
            follow_redirects=True,
        )
        self._retry = retry or RetryPolicy()
        self._retry_when = retry_when
        self._error_for = error_for
        self._min_interval = min_interval
        self._next_start = 0.0
        self._spacing = asyncio.Lock()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.send(method, path, **kwargs)
        try:
            return json.loads(response.content)
        except ValueError:
            raise ConnectorError(f"{self.name} answered with invalid JSON") from None

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response of a successful request; errors mapped to ConnectorError subclasses."""
        for attempt in range(1, self._retry.attempts + 1):
            response = await self._attempt(method, path, **kwargs)
            if not self._is_retryable(response):
                break
            delay = self._delay(response, attempt)
            if attempt == self._retry.attempts or delay > self._retry.max_delay:
                raise ProviderBusy(_describe(self.name, response), retry_after=delay)
            await asyncio.sleep(delay)
        self._raise_for_status(response)
        return response

    def _is_retryable(self, response: httpx.Response) -> bool:
        if response.status_code in RETRYABLE_STATUSES:
            return True
        return self._retry_when is not None and self._retry_when(response)

    def _raise_for_status(self, response: httpx.Response) -> None:
        if response.status_code >= 400 and self._error_for is not None:
            error = self._error_for(response)
            if error is not None:
                raise error
        _raise_for_status(self.name, response)

    async def _attempt(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        await self._wait_for_turn()
        try:
            async with self._client.stream(method, path, **kwargs) as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise ConnectorError(
                            f"{self.name} answered with more than {self._max_bytes} bytes"
                        )
                response._content = bytes(body)
                return response
        except FetchError as error:
            raise _fetch_failure(self.name, error) from None
        except httpx.HTTPError as error:
            raise ProviderBusy(
                f"{self.name} could not be reached: {type(error).__name__}"
            ) from None

    async def _wait_for_turn(self) -> None:
        if self._min_interval <= 0:
            return
        async with self._spacing:
            now = time.monotonic()
            if self._next_start > now:
                await asyncio.sleep(self._next_start - now)
            self._next_start = max(now, self._next_start) + self._min_interval

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        given = parse_retry_after(response.headers.get("retry-after"))
        if given is not None:
            return given
        nominal = min(self._retry.max_delay, self._retry.base_delay * 2 ** (attempt - 1))
        return float(nominal * random.uniform(0.5, 1.5))


def _fetch_failure(name: str, error: FetchError) -> ConnectorError:
    failure = ConnectorError(f"{name}: {error}")
    if error.retryable:
        return ProviderBusy(failure.message)
    return failure


def _describe(name: str, response: httpx.Response) -> str:
    detail = _error_detail(response)
    return f"{name} answered HTTP {response.status_code}" + (f": {detail}" if detail else "")


def _error_detail(response: httpx.Response) -> str:
    """The provider's own reason, from the usual JSON error fields, kept short."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in ("message", "error_description", "description", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])[:300]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("title") or errors[0].get("message") or "")[:300]
    return ""


def _raise_for_status(name: str, response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status in (401, 403):
        raise CredentialsRejected(_describe(name, response))
    if status in (404, 410):
        answer = f"{name} answered {status} to {response.request.url.path}"
        raise DeletedUpstream(f"the {name} document", answer=answer)
    raise ConnectorError(_describe(name, response))
