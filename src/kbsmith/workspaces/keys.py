"""API key format: ``kbs_`` + 32 random base62 characters + a 6-character CRC32 checksum.

The checksum lets secret scanners recognise a leaked key without asking the server, and lets
the server refuse a mistyped key without a database look-up. Only a keyed hash is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass

PREFIX = "kbs_"
BODY_LENGTH = 32
CHECKSUM_LENGTH = 6
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_PATTERN = re.compile(rf"^{PREFIX}[0-9A-Za-z]{{{BODY_LENGTH + CHECKSUM_LENGTH}}}$")
DISPLAY_LENGTH = len(PREFIX) + 6


@dataclass(frozen=True)
class NewKey:
    secret: str
    hash: str
    display_prefix: str


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def generate(secret_key: bytes) -> NewKey:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    secret = f"{PREFIX}{body}{_checksum(body)}"
    return NewKey(
        secret=secret, hash=hash_key(secret, secret_key), display_prefix=secret[:DISPLAY_LENGTH]
    )


def is_well_formed(candidate: str) -> bool:
    if not KEY_PATTERN.fullmatch(candidate):
        return False
    body = candidate[len(PREFIX) : len(PREFIX) + BODY_LENGTH]
    return hmac.compare_digest(candidate[-CHECKSUM_LENGTH:], _checksum(body))


def hash_key(secret: str, secret_key: bytes) -> str:
    return hmac.new(secret_key, secret.encode(), hashlib.sha256).hexdigest()
