"""Operator-tunable limits of the guarded fetcher."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_USER_AGENT = "kbsmith/0.1 (+https://github.com/kbsmith; knowledge-base ingestion)"
ALLOW_NETWORKS_ENV = "KBSMITH_FETCH_ALLOW_NETWORKS"


@dataclass(frozen=True)
class FetchPolicy:
    allow_networks: tuple[IPNetwork, ...] = ()
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 10
    connect_timeout: float = 10.0
    total_timeout: float = 30.0
    user_agent: str = DEFAULT_USER_AGENT
    per_host_concurrency: int = 2
    default_crawl_delay: float = 0.0
    max_crawl_delay: float = 10.0
    obey_robots: bool = True

    def __post_init__(self) -> None:
        positive = {
            "max_bytes": self.max_bytes,
            "connect_timeout": self.connect_timeout,
            "total_timeout": self.total_timeout,
            "per_host_concurrency": self.per_host_concurrency,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        not_negative = {
            "max_redirects": self.max_redirects,
            "default_crawl_delay": self.default_crawl_delay,
            "max_crawl_delay": self.max_crawl_delay,
        }
        for name, value in not_negative.items():
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")
        if not self.user_agent.strip():
            raise ValueError("user_agent must not be empty")

    @property
    def robots_agent(self) -> str:
        """The product token robots.txt groups are matched against (e.g. ``kbsmith``)."""
        return self.user_agent.split()[0].split("/")[0]

    @classmethod
    def from_strings(cls, allow_networks: str = "", **overrides: Any) -> FetchPolicy:
        """Build a policy from a comma-separated CIDR list (``KBSMITH_FETCH_ALLOW_NETWORKS``)."""
        return replace(cls(**overrides), allow_networks=parse_networks(allow_networks))


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    networks: list[IPNetwork] = []
    for raw_entry in value.split(","):
        entry = raw_entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=True))
        except ValueError as exc:
            raise ValueError(f"invalid network {entry!r} in {ALLOW_NETWORKS_ENV}: {exc}") from exc
    return tuple(networks)
