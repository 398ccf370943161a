"""What a successful fetch returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message


@dataclass(frozen=True)
class FetchResult:
    url: str
    """Final URL, after redirects."""
    status: int
    headers: Mapping[str, str]
    """Response headers, lower-case names; repeated headers joined with ", "."""
    content_type: str
    """Media type without parameters, lower-case (``text/html``); empty if unknown."""
    body: bytes
    not_modified: bool = False
    """True when a conditional request was answered with 304 (``body`` is then empty)."""
    etag: str | None = None
    last_modified: str | None = None
    redirects: list[str] = field(default_factory=list)
    """URLs that answered with a redirect, in order (the first is the requested URL)."""

    @property
    def charset(self) -> str | None:
        """The ``charset`` parameter of the Content-Type header, if any."""
        return content_type_parts(self.headers.get("content-type", ""))[1]


def content_type_parts(header: str) -> tuple[str, str | None]:
    """``text/html; charset=UTF-8`` -> (``text/html``, ``utf-8``)."""
    if not header.strip():
        return "", None
    message = Message()
    message["content-type"] = header
    charset = message.get_param("charset")
    # email falls back to text/plain for malformed values; an unknown type is more honest.
    media_type = message.get_content_type() if "/" in header.split(";")[0] else ""
    return media_type, charset.lower() if isinstance(charset, str) else None
