"""The error contract: every non-2xx answer is ``{statusCode, error, message}``."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from kbsmith.api.schemas import wire_name
from kbsmith.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAcceptable,
    NotFound,
    TooLarge,
)

DOMAIN_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 400,
    NotFound: 404,
    NotAcceptable: 406,
    Conflict: 409,
    TooLarge: 413,
}


class ErrorBody(BaseModel):
    statusCode: int
    error: str
    message: str


class ApiError(Exception):
    """An HTTP-level refusal raised by the API layer itself (auth, content type, ...)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"statusCode": status, "error": HTTPStatus(status).phrase, "message": message}
    return JSONResponse(body, status_code=status, headers=headers)


def validation_message(exc: RequestValidationError) -> str:
    """One sentence that names the offending field, from pydantic's first complaint."""
    first: dict[str, Any] = exc.errors()[0]
    kind = first.get("type", "")
    location = [
        str(part)
        for part in first.get("loc", ())
        if part not in ("body", "query", "path", "header")
    ]
    field = ".".join(location)
    if kind == "json_invalid":
        return "request body is not valid JSON"
    if kind == "missing" and not field:
        return "request body is required"
    if kind == "missing":
        return f"{field} is required"
    message = str(first.get("msg", "is invalid"))
    message = message.removeprefix("Value error, ")
    if message.startswith("Expected UploadFile") and location:
        return f"{location[0]}: each part must be a file, sent with a filename"
    return f"{field}: {message}" if field else message


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path, asked of the routes themselves (routers
    nest); Starlette's 405 names only the methods of the first route that matched the path."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        status = next((code for cls, code in DOMAIN_STATUS.items() if isinstance(exc, cls)), 400)
        return error_response(status, exc.worded(wire_name))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and message == "Not Found":
            message = "no such route"
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            message = "method not allowed on this route"
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return error_response(exc.status_code, message, headers)
