"""/metrics: the Prometheus text format, for the operator's scraper (no key, like /healthz:
it tells counts, never content; keep it off the public internet)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from kbsmith.api.deps import DatabaseDep
from kbsmith.metrics.exposition import render
from kbsmith.metrics.snapshot import take

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Jobs, fetch errors, generation, questions and webhooks, for Prometheus",
    response_class=Response,
)
async def metrics(db: DatabaseDep) -> Response:
    async with db.read() as session:
        snapshot = await take(session)
    return Response(render(snapshot), media_type=CONTENT_TYPE_LATEST)
