"""Service-account keys with google-auth: parsed and checked offline, JWT grants signed offline.

The token exchange itself goes through kbsmith's guarded transport (see tokens.py), so
google-auth's own HTTP transports are never used.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any

from google.auth import jwt
from google.oauth2 import service_account

DRIVE_SCOPE = "https://www.googleapis.com/auth/drive.readonly"
ASSERTION_LIFETIME_SECONDS = 3600


def check(info: dict[str, Any]) -> None:
    """ValueError, in google-auth's words, when the key is incomplete or unreadable."""
    _credentials(info)


def grant_assertion(info: dict[str, Any], audience: str, subject: str | None) -> str:
    """The signed JWT of the ``urn:ietf:params:oauth:grant-type:jwt-bearer`` grant."""
    credentials = _credentials(info)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": credentials.service_account_email,
        "scope": DRIVE_SCOPE,
        "aud": audience,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECONDS,
    }
    if subject:
        claims["sub"] = subject
    signed: bytes = jwt.encode(credentials.signer, claims)  # type: ignore[no-untyped-call]
    return signed.decode("ascii")


def account_email(info: dict[str, Any]) -> str:
    return str(info.get("client_email") or "")


def _credentials(info: dict[str, Any]) -> service_account.Credentials:
    return _parsed(json.dumps(info, sort_keys=True))


@functools.lru_cache(maxsize=32)
def _parsed(info_json: str) -> service_account.Credentials:
    """Reading an RSA key checks it, which takes a good fraction of a second: once per key."""
    try:
        credentials: service_account.Credentials = (
            service_account.Credentials.from_service_account_info(json.loads(info_json))  # type: ignore[no-untyped-call]
        )
    except (ValueError, TypeError) as error:
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise ValueError(f"not a usable service account key: {reason}") from None
    return credentials
