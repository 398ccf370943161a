"""Access tokens from Google's OAuth token endpoint, through kbsmith's guarded transport."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from urllib.parse import urlsplit

import httpx

from kbsmith.connectors.base import ConnectorError, CredentialsRejected
from kbsmith.connectors.googledrive import service_account
from kbsmith.connectors.googledrive.credentials import DriveCredentials
from kbsmith.connectors.http import ProviderHttp
from kbsmith.fetching import FetchPolicy

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFUSALS = frozenset(
    {"invalid_grant", "invalid_client", "unauthorized_client", "access_denied", "invalid_scope"}
)
"""OAuth error codes that mean: these credentials will not work again as they are."""
EARLY_REFRESH_SECONDS = 60.0
NAME = "Google's token endpoint"


class GoogleTokens:
    """One access token at a time, renewed shortly before it expires."""

    def __init__(self, credentials: DriveCredentials, policy: FetchPolicy) -> None:
        self._credentials = credentials
        self._url = credentials.resolved_token_url()
        parts = urlsplit(self._url)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._http = ProviderHttp(
            NAME, f"{parts.scheme}://{parts.netloc}", policy, error_for=_refusal
        )
        self._token = ""
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def access_token(self) -> str:
        async with self._lock:
            if not self._token or time.monotonic() > self._expires_at - EARLY_REFRESH_SECONDS:
                await self._renew()
            return self._token

    async def _renew(self) -> None:
        grant = await asyncio.to_thread(self._grant)  # signing is CPU work
        answer = await self._http.json("POST", self._path, data=grant)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise ConnectorError(f"{NAME} answered without an access token")
        lifetime = answer.get("expires_in")
        self._token = token
        self._expires_at = time.monotonic() + (
            float(lifetime) if isinstance(lifetime, int | float) else 3600.0
        )

    def _grant(self) -> dict[str, str]:
        credentials = self._credentials
        if credentials.service_account_json is not None:
            assertion = service_account.grant_assertion(
                credentials.service_account_json, self._url, credentials.subject
            )
            return {"grant_type": JWT_GRANT, "assertion": assertion}
        return {
            "grant_type": "refresh_token",
            "client_id": str(credentials.client_id),
            "client_secret": str(credentials.client_secret),
            "refresh_token": str(credentials.refresh_token),
        }


class GoogleBearer(httpx.Auth):
    """Puts a current access token on every Drive request, retries included."""

    def __init__(self, tokens: GoogleTokens) -> None:
        self._tokens = tokens

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await self._tokens.access_token()}"
        yield request


def _refusal(response: httpx.Response) -> ConnectorError | None:
    if response.status_code not in (400, 401, 403):
        return None
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if error not in REFUSALS:
        return None
    description = body.get("error_description")
    reason = f"{error}: {description}" if isinstance(description, str) and description else error
    return CredentialsRejected(f"Google refused the credentials ({reason})")
