"""Who uses the console: the session cookie's key, read again on every request; and the
checks every change must pass (the write scope, the session's CSRF token, our own origin)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request

from kbsmith.api.deps import DatabaseDep, SettingsDep
from kbsmith.console import sessions
from kbsmith.workspaces.service import Principal, Scope, principal_of_key


class SignInRequired(Exception):
    """No valid session: the console answers with the sign-in page."""


class Refused(Exception):
    """A change the console will not make: rendered as an error page with this status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    csrf: str

    @property
    def can_write(self) -> bool:
        return Scope.WRITE in self.principal.scopes


async def current_viewer(request: Request, db: DatabaseDep, settings: SettingsDep) -> Viewer:
    secret = settings.resolved_secret_key
    session = sessions.read(request.cookies.get(sessions.COOKIE), secret)
    if session is None:
        raise SignInRequired
    async with db.read() as transaction:
        principal = await principal_of_key(transaction, session.key_id)
    if principal is None:
        raise SignInRequired
    return Viewer(principal, sessions.csrf_token(session, secret))


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def same_origin(request: Request) -> bool:
    """A browser names the page a POST comes from; another site's page is refused even
    before the token is checked (an absent header is left to the token)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", request.url.netloc)


async def checked_form(request: Request, viewer: Viewer) -> dict[str, Any]:
    """The form of a POST that comes from our own page with the session's CSRF token."""
    form = dict(await request.form())
    token = form.get("csrf")
    if (
        not same_origin(request)
        or not isinstance(token, str)
        or not hmac.compare_digest(token, viewer.csrf)
    ):
        raise Refused(403, "This form has expired or came from another site; reload the page.")
    return form


async def current_editor(request: Request, viewer: ViewerDep) -> Viewer:
    """A viewer allowed to change this: the form checked, and the write scope."""
    await checked_form(request, viewer)
    if not viewer.can_write:
        raise Refused(403, "This API key is read-only: it can see everything but change nothing.")
    return viewer


EditorDep = Annotated[Viewer, Depends(current_editor)]
