"""Every router of the public API."""

from fastapi import APIRouter

from kbsmith.api.routes import (
    articles,
    bots,
    connections,
    folders,
    junctions,
    knowledge,
    sources,
    uploads,
)

ROUTERS: list[APIRouter] = [
    bots.router,
    sources.router,
    uploads.router,
    articles.router,
    folders.router,
    junctions.router,
    connections.router,
    knowledge.router,
]
