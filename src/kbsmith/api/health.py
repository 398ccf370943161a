from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from kbsmith.api.deps import DatabaseDep
from kbsmith.api.errors import error_response
from kbsmith.db import migrate

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable and its schema is current",
    responses={503: {"description": "Not ready"}},
)
async def readyz(db: DatabaseDep) -> JSONResponse:
    try:
        current = await migrate.is_current(db)
    except (SQLAlchemyError, OSError):
        return error_response(503, "database unreachable")
    if not current:
        return error_response(503, "database migrations are not current; run `kbsmith migrate`")
    return JSONResponse({"status": "ready"})
