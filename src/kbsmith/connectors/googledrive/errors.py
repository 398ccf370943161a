"""Drive's error bodies: which 403s are quota (retry), which mean the export is too large."""

from __future__ import annotations

import json

import httpx

from kbsmith.connectors.base import ConnectorError, ProviderBusy

QUOTA_REASONS = frozenset(
    {"userRateLimitExceeded", "rateLimitExceeded", "sharingRateLimitExceeded"}
)
DAILY_QUOTA_RETRY_SECONDS = 3600.0


class ExportTooLarge(ConnectorError):
    """files.export refuses documents over 10 MB; the file's exportLinks may still serve it."""


def reasons(response: httpx.Response) -> set[str]:
    """The ``error.errors[].reason`` values of a Drive error body."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return set()
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("errors") if isinstance(error, dict) else None
    if not isinstance(details, list):
        return set()
    return {str(d.get("reason")) for d in details if isinstance(d, dict) and d.get("reason")}


def is_quota_error(response: httpx.Response) -> bool:
    """Drive reports exceeded request quotas as 403, not 429: retry them, never "reconnect"."""
    return response.status_code == 403 and bool(reasons(response) & QUOTA_REASONS)


def drive_error(response: httpx.Response) -> ConnectorError | None:
    if response.status_code != 403:
        return None
    found = reasons(response)
    if "exportSizeLimitExceeded" in found:
        return ExportTooLarge("the document is larger than Google Drive's 10 MB export limit")
    if "dailyLimitExceeded" in found:
        return ProviderBusy(
            "Google Drive's daily quota is spent", retry_after=DAILY_QUOTA_RETRY_SECONDS
        )
    return None
