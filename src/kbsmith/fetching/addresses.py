"""Which IP addresses the fetcher may connect to.

``ipaddress``'s ``is_global`` has quirks (``::ffff:8.8.8.8``, NAT64 and 6to4
forms of private IPv4 addresses and ``fec0::/10`` all count as global), so the
special ranges are listed explicitly and ``is_global`` is only a final net.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from kbsmith.fetching.errors import BlockedAddress
from kbsmith.fetching.policy import FetchPolicy, IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# First match wins, so narrower ranges come before the ones containing them.
_BLOCKED_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/32"), "unspecified address"),
    (_V4("0.0.0.0/8"), "'this network' address"),
    (_V4("10.0.0.0/8"), "private network"),
    (_V4("100.64.0.0/10"), "carrier-grade NAT network"),
    (_V4("127.0.0.0/8"), "loopback address"),
    (_V4("169.254.0.0/16"), "link-local address"),
    (_V4("172.16.0.0/12"), "private network"),
    (_V4("192.0.0.0/24"), "IETF protocol assignment"),
    (_V4("192.0.2.0/24"), "documentation network"),
    (_V4("192.88.99.0/24"), "6to4 relay anycast"),
    (_V4("192.168.0.0/16"), "private network"),
    (_V4("198.18.0.0/15"), "benchmarking network"),
    (_V4("198.51.100.0/24"), "documentation network"),
    (_V4("203.0.113.0/24"), "documentation network"),
    (_V4("224.0.0.0/4"), "multicast address"),
    (_V4("255.255.255.255/32"), "broadcast address"),
    (_V4("240.0.0.0/4"), "reserved address"),
)

_BLOCKED_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "unspecified address"),
    (_V6("::1/128"), "loopback address"),
    (_V6("::ffff:0:0/96"), "IPv4-mapped IPv6 address"),
    (_V6("::/96"), "IPv4-compatible IPv6 address"),
    (_V6("64:ff9b::/96"), "NAT64 address"),
    (_V6("64:ff9b:1::/48"), "local-use NAT64 address"),
    (_V6("100::/64"), "discard-only address"),
    (_V6("2001::/32"), "Teredo address"),
    (_V6("2001:db8::/32"), "documentation network"),
    (_V6("2002::/16"), "6to4 address"),
    (_V6("fc00::/7"), "private network (unique local)"),
    (_V6("fe80::/10"), "link-local address"),
    (_V6("fec0::/10"), "site-local address"),
    (_V6("ff00::/8"), "multicast address"),
)

_EMBEDDING_V6 = (_V6("::/96"), _V6("64:ff9b::/96"), _V6("64:ff9b:1::/48"))
_UNSPECIFIED_OR_LOOPBACK_V6 = _V6("::/127")

# Only 2000::/3 is allocated for global unicast; everything else is reserved.
_GLOBAL_UNICAST_V6 = _V6("2000::/3")


def check_address(ip: IPAddress | str, policy: FetchPolicy, *, host: str | None = None) -> None:
    """Raise `BlockedAddress` unless *ip* is globally routable or explicitly allowed."""
    address = ipaddress.ip_address(ip)
    reason = blocked_reason(address)
    if reason is None or _explicitly_allowed(address, policy):
        return
    raise BlockedAddress(str(address), reason, host=host)


def blocked_reason(address: IPAddress) -> str | None:
    """Why *address* is not public, or None if it is a plain global address."""
    if isinstance(address, ipaddress.IPv4Address):
        return _first_match(address, _BLOCKED_V4) or _not_global(address)
    reason = _first_match(address, _BLOCKED_V6)
    if reason is not None:
        embedded = embedded_ipv4(address)
        return reason if embedded is None else f"{reason} (embeds {embedded})"
    if address not in _GLOBAL_UNICAST_V6:
        return "reserved address"
    return _not_global(address)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried by mapped, compatible, NAT64 or 6to4 forms."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _UNSPECIFIED_OR_LOOPBACK_V6:
        return None
    if any(address in network for network in _EMBEDDING_V6):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _explicitly_allowed(address: IPAddress, policy: FetchPolicy) -> bool:
    if not _in_any(address, policy.allow_networks):
        return False
    if isinstance(address, ipaddress.IPv6Address):
        # An allowed IPv6 range must not smuggle in an IPv4 target the policy refuses.
        embedded = embedded_ipv4(address)
        if embedded is not None and blocked_reason(embedded) is not None:
            return _in_any(embedded, policy.allow_networks)
    return True


def _in_any(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _first_match(
    address: IPAddress,
    table: tuple[tuple[ipaddress.IPv4Network, str], ...]
    | tuple[tuple[ipaddress.IPv6Network, str], ...],
) -> str | None:
    for network, reason in table:
        if address in network:
            return reason
    return None


def _not_global(address: IPAddress) -> str | None:
    return None if address.is_global else "not a globally routable address"
