"""Dependencies every router shares: settings, database, the caller, JSON bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kbsmith.api.errors import ApiError
from kbsmith.api.ratelimit import enforce
from kbsmith.composition import Composition
from kbsmith.db.database import Database
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings
from kbsmith.workspaces.service import Principal, Scope, authenticate

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer kbs_…`")
UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


def composition_of(app: FastAPI) -> Composition:
    """What ``create_app`` composed for this app (the one untyped read: Starlette's state)."""
    composition: Composition = app.state.composition
    return composition


def get_composition(request: Request) -> Composition:
    return composition_of(request.app)


CompositionDep = Annotated[Composition, Depends(get_composition)]


def get_settings(composition: CompositionDep) -> Settings:
    return composition.settings


def get_db(composition: CompositionDep) -> Database:
    return composition.db


def get_runtime(composition: CompositionDep) -> Runtime:
    return composition.runtime


SettingsDep = Annotated[Settings, Depends(get_settings)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
DatabaseDep = Annotated[Database, Depends(get_db)]


def require_scope(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    async def principal(
        request: Request,
        db: DatabaseDep,
        settings: SettingsDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise ApiError(401, _missing_reason(request), UNAUTHENTICATED)
        async with db.read() as session:
            found = await authenticate(
                session, credentials.credentials, settings.resolved_secret_key
            )
        if found is None:
            raise ApiError(401, "API key is malformed, unknown or revoked", UNAUTHENTICATED)
        await enforce(request, db, settings, found)
        if scope not in found.scopes:
            raise ApiError(403, f"API key lacks the {scope.value!r} scope")
        return found

    return principal


def _missing_reason(request: Request) -> str:
    if request.headers.get("authorization"):
        return "Authorization header must be 'Bearer <API key>'"
    return "Authorization header with an API key is required"


ReadPrincipal = Annotated[Principal, Depends(require_scope(Scope.READ))]
WritePrincipal = Annotated[Principal, Depends(require_scope(Scope.WRITE))]


def _has_body(request: Request) -> bool:
    return (
        request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    )


async def require_json(request: Request) -> None:
    """A JSON route refuses other bodies with 415 instead of a confusing validation error."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if (
        _has_body(request)
        and media_type
        and media_type != "application/json"
        and not media_type.endswith("+json")
    ):
        raise ApiError(415, f"content type must be application/json, not {media_type}")


async def require_multipart(request: Request) -> None:
    """An upload route refuses other bodies with 415; no body at all is left to the route."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if _has_body(request) and media_type != "multipart/form-data":
        raise ApiError(
            415, f"content type must be multipart/form-data, not {media_type or 'none given'}"
        )
