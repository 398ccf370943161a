"""Google Drive: Google Docs exported as HTML; PDF, DOCX and text files downloaded."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from kbsmith.connectors.base import (
    ConnectorError,
    DeletedUpstream,
    DiscoveredNode,
    DiscoveredResource,
    ProviderDocument,
    ResourceRef,
    flat,
)
from kbsmith.connectors.googledrive import errors, files
from kbsmith.connectors.googledrive.credentials import DriveCredentials
from kbsmith.connectors.googledrive.tokens import GoogleBearer, GoogleTokens
from kbsmith.connectors.http import ProviderHttp
from kbsmith.fetching import FetchPolicy

DEFAULT_API_BASE = "https://www.googleapis.com"
API = "/drive/v3"
PAGE_SIZE = 100
MAX_PAGES = 2000
FILE_FIELDS = "id,name,mimeType,modifiedTime,version,trashed,webViewLink,exportLinks"
LIST_FIELDS = "nextPageToken,files(id,name,mimeType,modifiedTime,webViewLink,iconLink)"
SHARED_DRIVES = {"supportsAllDrives": "true"}
FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
EXPORT_HOSTS = ("google.com", "googleusercontent.com", "googleapis.com")
"""Hosts an export link may point to, so that the access token goes nowhere else."""


class DriveConnector:
    def __init__(
        self, credentials: DriveCredentials, base_url: str | None, policy: FetchPolicy
    ) -> None:
        self._base_url = base_url or DEFAULT_API_BASE
        self._tokens = GoogleTokens(credentials, policy)
        self._http = ProviderHttp(
            "Google Drive",
            self._base_url,
            policy,
            auth=GoogleBearer(self._tokens),
            retry_when=errors.is_quota_error,
            error_for=errors.drive_error,
        )

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._tokens.aclose()

    async def verify(self) -> str:
        about = await self._get(f"{API}/about", {"fields": "user(displayName,emailAddress)"})
        user = about.get("user")
        if not isinstance(user, dict):
            user = {}
        return str(user.get("emailAddress") or user.get("displayName") or "Google Drive")

    async def discover(self) -> list[DiscoveredResource]:
        return [_discovered(file) for file in await self._importable_files()]

    async def _importable_files(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        params = {
            "q": files.listing_query(),
            "fields": LIST_FIELDS,
            "pageSize": str(PAGE_SIZE),
            "includeItemsFromAllDrives": "true",
            **SHARED_DRIVES,
        }
        for _ in range(MAX_PAGES):
            page = await self._get(f"{API}/files", params)
            found.extend(f for f in page.get("files") or [] if isinstance(f, dict) and f.get("id"))
            token = page.get("nextPageToken")
            if not isinstance(token, str) or not token:
                return found
            params = {**params, "pageToken": token}
        raise ConnectorError(f"Google Drive listed more than {MAX_PAGES} pages of files")

    def arrange(self, resources: Sequence[DiscoveredResource]) -> list[DiscoveredNode]:
        return flat(resources)

    async def fetch(self, ref: ResourceRef) -> ProviderDocument:
        file = await self._file(_file_id(ref))
        mime_type = str(file.get("mimeType") or "")
        if mime_type == files.GOOGLE_DOC:
            body, content_type = await self._export(file), f"{files.EXPORT_TYPE}; charset=utf-8"
        elif mime_type in files.DOWNLOADED:
            body, content_type = await self._download(file), mime_type
        else:
            raise ConnectorError(
                f'Google Drive file "{file.get("name")}" is {mime_type or "of no known type"}, '
                "which kbsmith does not import"
            )
        return ProviderDocument(
            title=files.title_of(file),
            body=body,
            content_type=content_type,
            original_url=str(file.get("webViewLink") or ref.original_url),
            version=files.version_of(file),
        )

    async def existing_ids(self, refs: Sequence[ResourceRef]) -> set[str]:
        existing = set()
        for ref in refs:
            try:
                await self._file(_file_id(ref))
            except DeletedUpstream:
                continue
            existing.add(ref.external_id)
        return existing

    async def _file(self, file_id: str) -> dict[str, Any]:
        """The file's metadata; DeletedUpstream when it is gone or in the trash."""
        try:
            file = await self._get(
                f"{API}/files/{file_id}", {"fields": FILE_FIELDS, **SHARED_DRIVES}
            )
        except DeletedUpstream:
            raise DeletedUpstream(f"Google Drive file {file_id}") from None
        if file.get("trashed"):
            raise DeletedUpstream(f'Google Drive file "{file.get("name") or file_id}"')
        return file

    async def _export(self, file: dict[str, Any]) -> bytes:
        try:
            response = await self._http.send(
                "GET", f"{API}/files/{file['id']}/export", params={"mimeType": files.EXPORT_TYPE}
            )
        except errors.ExportTooLarge:
            return await self._export_by_link(file)
        return response.content

    async def _export_by_link(self, file: dict[str, Any]) -> bytes:
        links = file.get("exportLinks")
        link = links.get(files.EXPORT_TYPE) if isinstance(links, dict) else None
        if not isinstance(link, str) or not self._may_send_token_to(link):
            raise ConnectorError(
                f'Google Doc "{file.get("name")}" is larger than Google Drive\'s 10 MB export '
                "limit and offers no export link to download it from"
            )
        return (await self._http.send("GET", link)).content

    def _may_send_token_to(self, link: str) -> bool:
        target = urlsplit(link)
        if (target.scheme, target.netloc) == tuple(urlsplit(self._base_url)[:2]):
            return True
        host = (target.hostname or "").lower()
        return target.scheme == "https" and any(
            host == allowed or host.endswith(f".{allowed}") for allowed in EXPORT_HOSTS
        )

    async def _download(self, file: dict[str, Any]) -> bytes:
        response = await self._http.send(
            "GET", f"{API}/files/{file['id']}", params={"alt": "media", **SHARED_DRIVES}
        )
        return response.content

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        answer = await self._http.json("GET", path, params=params)
        if not isinstance(answer, dict):
            raise ConnectorError(f"Google Drive answered {path} with unexpected JSON")
        return answer


def _discovered(file: dict[str, Any]) -> DiscoveredResource:
    return DiscoveredResource(
        external_id=str(file["id"]),
        title=files.title_of(file),
        object_type="file",
        original_url=str(file.get("webViewLink") or ""),
        mime_type=str(file.get("mimeType") or ""),
        icon_link=str(file.get("iconLink") or ""),
    )


def _file_id(ref: ResourceRef) -> str:
    if not FILE_ID.match(ref.external_id):
        raise ConnectorError(f"{ref.external_id!r} is not a Google Drive file id")
    return ref.external_id
