from __future__ import annotations

import ipaddress

import pytest

from kbsmith.fetching import FetchPolicy


def test_defaults_are_safe() -> None:
    policy = FetchPolicy()
    assert policy.allow_networks == ()
    assert policy.max_bytes == 20 * 1024 * 1024
    assert policy.obey_robots
    assert policy.robots_agent == "kbsmith"


def test_from_strings_parses_comma_separated_networks() -> None:
    policy = FetchPolicy.from_strings(" 127.0.0.1/32, ,fd00::/8 ", max_bytes=1000)
    assert policy.allow_networks == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("fd00::/8"),
    )
    assert policy.max_bytes == 1000


def test_from_strings_empty_allows_nothing() -> None:
    assert FetchPolicy.from_strings("").allow_networks == ()


@pytest.mark.parametrize("bad", ["nonsense", "10.0.0.1/8", "300.1.1.1/32"])
def test_from_strings_names_the_bad_entry(bad: str) -> None:
    with pytest.raises(ValueError, match=bad.replace(".", r"\.")) as caught:
        FetchPolicy.from_strings(f"127.0.0.1/32,{bad}")
    assert "KBSMITH_FETCH_ALLOW_NETWORKS" in str(caught.value)


def test_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        FetchPolicy(max_bytes=0)
    with pytest.raises(ValueError, match="default_crawl_delay"):
        FetchPolicy(default_crawl_delay=-1)
