"""Console sessions: a signed cookie, and the CSRF token that belongs to it.

The cookie holds the key's id, a random nonce and the time it was issued, signed with the
instance's secret key (HMAC-SHA256): nothing is stored server-side, and the API key itself
never leaves the sign-in request. Every request re-reads the key, so revoking it ends the
session. The CSRF token (a synchronizer token) is an HMAC of the nonce under a separate
label: it is written into every form and must come back with every POST.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass

COOKIE = "kbsmith_console"
LIFETIME_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Session:
    key_id: uuid.UUID
    nonce: str
    issued_at: int


def issue(key_id: uuid.UUID, secret: bytes, now: float | None = None) -> str:
    session = Session(
        key_id, secrets.token_urlsafe(16), int(now if now is not None else time.time())
    )
    payload = json.dumps([str(session.key_id), session.nonce, session.issued_at]).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_mac(secret, b'session', body.encode())}"


def read(token: str | None, secret: bytes, now: float | None = None) -> Session | None:
    """The session a cookie holds, or None when it is missing, forged or expired."""
    if not token or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(secret, b"session", body.encode())):
        return None
    try:
        key_id, nonce, issued_at = json.loads(
            base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        )
        session = Session(uuid.UUID(key_id), str(nonce), int(issued_at))
    except (ValueError, TypeError):
        return None
    age = (now if now is not None else time.time()) - session.issued_at
    return session if 0 <= age <= LIFETIME_SECONDS else None


def csrf_token(session: Session, secret: bytes) -> str:
    return _mac(secret, b"csrf", session.nonce.encode())


def csrf_ok(session: Session, secret: bytes, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(given, csrf_token(session, secret))


def _mac(secret: bytes, label: bytes, data: bytes) -> str:
    digest = hmac.new(secret, label + b"\0" + data, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
