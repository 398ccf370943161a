"""One exception hierarchy for everything that can go wrong while fetching.

``str(error)`` is a message meant for end users; ``retryable`` tells the job
engine whether trying again later could succeed.
"""

from __future__ import annotations

import email.utils
import http
import time
from datetime import datetime


class FetchError(Exception):
    """Base class of every fetching failure."""

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class InvalidUrl(FetchError):
    """The URL is malformed or not something the fetcher is willing to request."""


class BlockedAddress(FetchError):
    """The host is (or resolves to) an address the policy does not allow."""

    def __init__(self, address: str, reason: str, *, host: str | None = None) -> None:
        subject = address if host is None or host == address else f"{address} (host {host})"
        super().__init__(f"blocked address {subject}: {reason}")
        self.address = address
        self.reason = reason
        self.host = host


class TooManyRedirects(FetchError):
    """Redirect limit exceeded, or a redirect loop."""


class BodyTooLarge(FetchError):
    """The (decompressed) response body exceeded the policy limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"response larger than {limit} bytes")
        self.limit = limit


class ContentDecodingError(FetchError):
    """The body could not be decompressed."""


class FetchTimeout(FetchError):
    """The overall deadline of a fetch passed."""

    retryable = True


class ConnectionFailed(FetchError):
    """DNS, TCP, TLS or HTTP protocol failure."""

    retryable = True


class RobotsDisallowed(FetchError):
    """robots.txt forbids fetching the URL."""

    def __init__(self, url: str) -> None:
        super().__init__(f"disallowed by robots.txt: {url}")
        self.url = url


class HttpStatusError(FetchError):
    """The server answered with an error (or otherwise unusable) status."""

    def __init__(self, status: int, *, retry_after: float | None = None) -> None:
        # The standard phrase, never the server's: end users read this message.
        super().__init__(f"HTTP {status} {_standard_reason(status)}".rstrip())
        self.status = status
        self.retry_after = retry_after
        self.retryable = status in (408, 429) or status >= 500


def _standard_reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when: datetime = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
