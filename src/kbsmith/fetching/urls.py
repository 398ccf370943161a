"""URL validation for fetching and canonical forms for deduplication."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx
from w3lib.url import canonicalize_url, url_query_cleaner

from kbsmith.fetching.addresses import IPAddress
from kbsmith.fetching.errors import InvalidUrl

DEFAULT_PORTS = {"http": 80, "https": 443}

TRACKING_PARAMETERS = frozenset(
    {
        "gclid", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "yclid", "twclid",
        "ttclid", "igshid", "li_fat_id", "mc_cid", "mc_eid", "ref_src", "_hsenc", "_hsmi",
        "mkt_tok", "_ga", "_gl", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}\.?", re.IGNORECASE)
_HEX_NUMBER = re.compile(r"0x[0-9a-f]*", re.IGNORECASE)


def is_absolute_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in DEFAULT_PORTS and bool(parts.hostname)


def normalize_url(url: str) -> str:
    """Canonical form of an http(s) URL, used to deduplicate links."""
    url = url.strip()
    if not is_absolute_http_url(url):
        raise InvalidUrl(f"not an absolute http(s) URL: {url!r}")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in url):
        raise InvalidUrl(f"URLs must not contain control or format characters: {url!r}")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise InvalidUrl(f"URLs with user names or passwords are not supported: {url!r}")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError as exc:
        raise InvalidUrl(f"invalid port in URL {url!r}") from exc
    parse_fetch_url(url)  # one the client can request ("http://exa mple.com/" is not)
    return _without_default_port(canonicalize_url(_without_tracking_parameters(url)))


def parse_fetch_url(url: str | httpx.URL) -> httpx.URL:
    """Parse and vet a URL the guarded client is asked to request; drops the fragment."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidUrl(f"invalid URL {str(url)!r}: {exc}") from exc
    if parsed.scheme not in DEFAULT_PORTS:
        raise InvalidUrl(f"only http and https URLs can be fetched, not {str(url)!r}")
    if parsed.userinfo:
        raise InvalidUrl(f"URLs with user names or passwords are not supported: {str(url)!r}")
    if parsed.port == 0:
        raise InvalidUrl(f"invalid port 0 in URL {str(url)!r}")
    host_ip(parsed)
    return parsed.copy_with(fragment=None)


def host_ip(url: httpx.URL) -> IPAddress | None:
    """The IP address of an IP-literal host, None for a hostname; InvalidUrl otherwise.

    Numeric forms that resolvers accept but that are not canonical dotted quads
    (``2130706433``, ``0x7f.1``, ``127.1``, ``0177.0.0.1``) are refused outright.
    """
    host = url.raw_host.decode("ascii")
    if not host:
        raise InvalidUrl(f"URL has no host: {str(url)!r}")
    if ":" in host:
        return _ipv6_literal(host)
    if _ends_in_number(host):
        return _canonical_ipv4(host)
    if len(host) > 253 or not _HOSTNAME.fullmatch(host):
        raise InvalidUrl(f"invalid host name {host!r}")
    return None


def _ipv6_literal(host: str) -> ipaddress.IPv6Address:
    try:
        if "%" in host:
            raise ValueError("zone identifiers are not supported")
        return ipaddress.IPv6Address(host)
    except ValueError as exc:
        raise InvalidUrl(f"invalid IPv6 host {host!r}: {exc}") from exc


def _canonical_ipv4(host: str) -> ipaddress.IPv4Address:
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        address = None
    if address is None or str(address) != host:
        raise InvalidUrl(f"numeric host {host!r} is not a canonical dotted-quad IPv4 address")
    return address


def _ends_in_number(host: str) -> bool:
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    last = labels[-1]
    return (last.isascii() and last.isdigit()) or bool(_HEX_NUMBER.fullmatch(last))


def _without_tracking_parameters(url: str) -> str:
    query = urlsplit(url).query
    tracking = sorted(
        {
            name
            for name, _ in parse_qsl(query, keep_blank_values=True)
            if name.lower() in TRACKING_PARAMETERS or name.lower().startswith(TRACKING_PREFIXES)
        }
    )
    if not tracking:
        return url
    return url_query_cleaner(url, tracking, remove=True, unique=False, keep_fragments=True)


def _without_default_port(url: str) -> str:
    parts = urlsplit(url)
    if parts.port is None or parts.port != DEFAULT_PORTS[parts.scheme]:
        return url
    netloc = parts.netloc.rsplit(":", 1)[0]
    return urlunsplit(parts._replace(netloc=netloc))
