from __future__ import annotations

import ipaddress

import pytest

from kbsmith.fetching import BlockedAddress, FetchPolicy, check_address

OPEN = FetchPolicy()
LOOPBACK_ONLY = FetchPolicy.from_strings("127.0.0.1/32")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.0.0.1", "private network"),
        ("172.16.5.4", "private network"),
        ("192.168.1.1", "private network"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "this network"),
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fc00::1", "unique local"),
        ("fd12:3456::1", "unique local"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "IPv4-mapped"),
        ("::ffff:8.8.8.8", "IPv4-mapped"),
        ("::127.0.0.1", "IPv4-compatible"),
        ("64:ff9b::10.0.0.1", "NAT64"),
        ("64:ff9b::8.8.8.8", "NAT64"),
        ("64:ff9b:1::a00:1", "local-use NAT64"),
        ("2002:a00:1::", "6to4"),
        ("2001::1", "Teredo"),
        ("2001:db8::1", "documentation"),
        ("100::1", "discard"),
        ("4000::1", "reserved"),
    ],
)
def test_refuses_non_public_addresses(address: str, reason: str) -> None:
    with pytest.raises(BlockedAddress, match=reason) as caught:
        check_address(address, OPEN)
    assert str(caught.value).startswith(f"blocked address {ipaddress.ip_address(address)}")


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_allows_public_addresses(address: str) -> None:
    check_address(address, OPEN)


def test_message_is_human_readable() -> None:
    with pytest.raises(BlockedAddress) as caught:
        check_address("10.0.0.1", OPEN)
    assert str(caught.value) == "blocked address 10.0.0.1: private network"


def test_message_names_the_host_when_given() -> None:
    with pytest.raises(BlockedAddress, match=r"10\.0\.0\.5 \(host intranet\.test\)"):
        check_address("10.0.0.5", OPEN, host="intranet.test")


def test_mapped_forms_mention_the_embedded_address() -> None:
    with pytest.raises(BlockedAddress, match=r"embeds 10\.0\.0\.1"):
        check_address("64:ff9b::a00:1", OPEN)


def test_allow_list_admits_exactly_its_networks() -> None:
    check_address("127.0.0.1", LOOPBACK_ONLY)
    for address in ["127.0.0.2", "::1", "::ffff:127.0.0.1", "::ffff:127.0.0.2", "10.0.0.1"]:
        with pytest.raises(BlockedAddress):
            check_address(address, LOOPBACK_ONLY)


def test_allowed_ipv6_range_does_not_smuggle_a_refused_ipv4() -> None:
    policy = FetchPolicy.from_strings("64:ff9b::/96")
    check_address("64:ff9b::8.8.8.8", policy)
    with pytest.raises(BlockedAddress):
        check_address("64:ff9b::10.0.0.1", policy)
    both = FetchPolicy.from_strings("64:ff9b::/96,10.0.0.0/8")
    check_address("64:ff9b::10.0.0.1", both)


def test_private_network_can_be_allowed_by_the_operator() -> None:
    policy = FetchPolicy.from_strings("10.0.0.0/8,fd00::/8")
    check_address("10.20.30.40", policy)
    check_address("fd00::5", policy)
    with pytest.raises(BlockedAddress):
        check_address("192.168.0.1", policy)
