from __future__ import annotations

import pytest

from kbsmith.fetching import InvalidUrl, is_absolute_http_url, normalize_url
from kbsmith.fetching.urls import parse_fetch_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM/a", "http://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com/a#section", "http://example.com/a"),
        ("http://example.com/a?b=2&a=1", "http://example.com/a?a=1&b=2"),
        ("http://example.com/a/../b/./c", "http://example.com/b/c"),
        ("http://example.com/?utm_source=x&utm_Medium=y&id=3", "http://example.com/?id=3"),
        ("http://example.com/?gclid=1&fbclid=2&msclkid=3&mc_cid=4&mc_eid=5", "http://example.com/"),
        ("http://example.com/?ref_src=twsrc&q=kb", "http://example.com/?q=kb"),
        ("http://example.com/?tag=a&tag=b", "http://example.com/?tag=a&tag=b"),
        ("http://example.com/r\u00e9sum\u00e9", "http://example.com/r%C3%A9sum%C3%A9"),
        ("http://m\u00fcnchen.de/", "http://xn--mnchen-3ya.de/"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("  http://example.com/a  ", "http://example.com/a"),
    ],
)
def test_normalize_url(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


def test_normalize_url_is_idempotent() -> None:
    once = normalize_url("HTTP://Example.com:80/x/../y?b=1&a=2&utm_term=z#top")
    assert normalize_url(once) == once


@pytest.mark.parametrize(
    "raw", ["/relative/path", "ftp://example.com/", "mailto:a@b.c", "javascript:alert(1)", "", "x"]
)
def test_normalize_url_refuses_non_http(raw: str) -> None:
    with pytest.raises(InvalidUrl):
        normalize_url(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "http://example.com/a\r\nX: y",
        "http://example.com/\x00",
        "http://example.com/\x7f",
        "http://exa\x85mple.com/hook",
        "http://exa\u200bmple.com/",
    ],
)
def test_normalize_url_refuses_control_characters(raw: str) -> None:
    with pytest.raises(InvalidUrl, match="control or format characters"):
        normalize_url(raw)


def test_normalize_url_refuses_userinfo() -> None:
    with pytest.raises(InvalidUrl):
        normalize_url("http://user:pass@example.com/")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://example.com", True),
        ("HTTPS://example.com/x", True),
        ("//example.com/x", False),
        ("/x", False),
        ("ftp://example.com", False),
        ("http://", False),
        ("http://[::1", False),
    ],
)
def test_is_absolute_http_url(value: str, expected: bool) -> None:
    assert is_absolute_http_url(value) is expected


@pytest.mark.parametrize(
    "raw",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://127.0.0.1./",
        "http://1.2.3.4.5/",
        "http://127%2E0%2E0%2E1/",
        "http://[fe80::1%25eth0]/",
        "http://user:pass@127.0.0.1/",
        "http://user@127.0.0.1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "http:///path",
        "http://127.0.0.1:0/",
        "http://-bad-.example/",
    ],
)
def test_parse_fetch_url_refuses_odd_forms(raw: str) -> None:
    with pytest.raises(InvalidUrl):
        parse_fetch_url(raw)


def test_parse_fetch_url_drops_the_fragment() -> None:
    assert str(parse_fetch_url("http://example.com/a?b=1#frag")) == "http://example.com/a?b=1"
