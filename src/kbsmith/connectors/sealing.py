"""Credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from the secret."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_PURPOSE = b"kbsmith connection credentials v1"


def _fernet(secret_key: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_PURPOSE).derive(
        secret_key
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(credentials: dict[str, Any], secret_key: bytes) -> str:
    return _fernet(secret_key).encrypt(json.dumps(credentials).encode()).decode("ascii")


def unseal(sealed: str, secret_key: bytes) -> dict[str, Any]:
    try:
        opened: dict[str, Any] = json.loads(_fernet(secret_key).decrypt(sealed.encode("ascii")))
    except InvalidToken:
        raise ValueError(
            "stored credentials cannot be opened with this server's secret key"
        ) from None
    return opened
