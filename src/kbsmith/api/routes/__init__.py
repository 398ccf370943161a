"""Every router of the public API."""

from fastapi import APIRouter

from kbsmith.api.routes import (
    answers,
    articles,
    bots,
    connections,
    folders,
    junctions,
    knowledge,
    schedules,
    sources,
    uploads,
    webhooks,
)

ROUTERS: list[APIRouter] = [
    answers.router,  # before bots: /v2/bots/requests/public is not /v2/bots/{id}/public
    bots.router,
    sources.router,
    uploads.router,
    articles.router,
    folders.router,
    junctions.router,
    connections.router,
    knowledge.router,
    webhooks.router,
    schedules.router,
]
