"""SSRF-safe fetching of user-supplied URLs, robots.txt handling and link discovery."""

from kbsmith.fetching.addresses import check_address
from kbsmith.fetching.client import GuardedClient, GuardedTransport, Resolver, system_resolver
from kbsmith.fetching.crawl import discover_links
from kbsmith.fetching.errors import (
    BlockedAddress,
    BodyTooLarge,
    ConnectionFailed,
    ContentDecodingError,
    FetchError,
    FetchTimeout,
    HttpStatusError,
    InvalidUrl,
    RobotsDisallowed,
    TooManyRedirects,
)
from kbsmith.fetching.policy import ALLOW_NETWORKS_ENV, FetchPolicy
from kbsmith.fetching.result import FetchResult
from kbsmith.fetching.urls import is_absolute_http_url, normalize_url, parse_fetch_url

__all__ = [
    "ALLOW_NETWORKS_ENV",
    "BlockedAddress",
    "BodyTooLarge",
    "ConnectionFailed",
    "ContentDecodingError",
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "FetchTimeout",
    "GuardedClient",
    "GuardedTransport",
    "HttpStatusError",
    "InvalidUrl",
    "Resolver",
    "RobotsDisallowed",
    "TooManyRedirects",
    "check_address",
    "discover_links",
    "is_absolute_http_url",
    "normalize_url",
    "parse_fetch_url",
    "system_resolver",
]
