"""The interface every connector implements, and what it exchanges with the rest of kbsmith."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import AfterValidator


def _printable_ascii(value: str) -> str:
    if not value.isascii() or not value.isprintable() or " " in value:
        raise ValueError("must be printable ASCII without spaces, as the provider issued it")
    return value


HeaderToken = AfterValidator(_printable_ascii)
"""A token sent in an HTTP header: a header carries ASCII only (``Annotated[str, ...,
HeaderToken]``)."""


class ConnectorError(Exception):
    """A provider refused or failed; ``str(e)`` is shown to users (never a secret)."""

    retryable = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class CredentialsRejected(ConnectorError):
    """401/403: expired, revoked or wrong credentials."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}; reconnect the provider")
        self.reason = reason


class DeletedUpstream(ConnectorError):
    """The document was deleted or trashed at the provider (the record is kept).

    ``answer`` says what the provider answered to which request ("Notion answered 404 to
    /v1/users/me"), for callers to whom a 404 means something else than a deleted document.
    """

    def __init__(self, what: str, *, answer: str = "") -> None:
        super().__init__(f"{what} was deleted upstream")
        self.answer = answer or f"{what} was not found"


class ProviderBusy(ConnectorError):
    """Rate limited or temporarily failing after our own retries: try the job again later."""

    retryable = True


@dataclass(frozen=True)
class ResourceRef:
    """What kbsmith keeps on a source record to find the document again."""

    external_id: str
    object_type: str = ""
    original_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DiscoveredResource:
    """One node of a provider's discovery (a page, an article, a space, a section...)."""

    external_id: str
    title: str
    object_type: str
    original_url: str = ""
    mime_type: str = ""
    icon_link: str = ""
    parent_id: str | None = None
    importable: bool = True
    """Containers (spaces, categories, sections) are shown but not imported themselves."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DiscoveredNode:
    """A discovered resource in the shape a provider shows it: a document, or a container
    (space, category, section) with what it holds. ``api/`` renders it for the wire."""

    resource: DiscoveredResource
    children: tuple[DiscoveredNode, ...] | None = None
    """What a container holds (None: the node is a document)."""


def flat(resources: Sequence[DiscoveredResource]) -> list[DiscoveredNode]:
    """A provider without containers: every resource a document of one flat list."""
    return [DiscoveredNode(resource) for resource in resources]


@dataclass(frozen=True)
class ProviderDocument:
    """A fetched document as bytes for kbsmith's extractors (same paragraph rules as the web)."""

    title: str
    body: bytes
    content_type: str
    original_url: str = ""
    version: str = ""
    """The provider's version marker: Notion last_edited_time, Confluence version.number, ..."""


class Connector(Protocol):
    async def verify(self) -> str:
        """One cheap call that proves the credentials; answers a non-secret account label."""
        ...

    async def discover(self) -> list[DiscoveredResource]: ...

    def arrange(self, resources: Sequence[DiscoveredResource]) -> list[DiscoveredNode]:
        """These resources as the provider shows them: a flat list, or a tree of containers
        (a container left without documents is not shown)."""
        ...

    async def fetch(self, ref: ResourceRef) -> ProviderDocument: ...

    async def existing_ids(self, refs: Sequence[ResourceRef]) -> set[str]:
        """Which of these documents still exist upstream (to notice deletions)."""
        ...

    async def aclose(self) -> None: ...
