"""Documents every status a route can answer, with the error body, in /openapi.json."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from kbsmith.api.errors import ErrorBody

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
METHODS_WITH_BODY = {"post", "put", "patch"}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Route-specific error statuses (404, 406, 409, ...) for a route decorator."""
    return {code: {"model": ErrorBody, "description": HTTPStatus(code).phrase} for code in codes}


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = (
            ErrorBody.model_json_schema()
        )
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                _complete_responses(path, method, operation)
        for unused in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]


def _complete_responses(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    codes = {500}
    if operation.get("parameters") or "requestBody" in operation:
        codes.add(400)
    if operation.get("security"):
        codes |= {401, 403, 429}  # every keyed request counts against the key's rate limit
    if method in METHODS_WITH_BODY or "requestBody" in operation:
        codes |= {413, 415}
    if "{" in path:
        codes.add(404)
    for code in sorted(codes):
        responses.setdefault(
            str(code),
            {
                "description": HTTPStatus(code).phrase,
                "content": {"application/json": {"schema": ERROR_REF}},
            },
        )
