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
    sources,
)

ROUTERS: list[APIRouter] = [
    bots.router,
    answers.router,
    sources.router,
    articles.router,
    folders.router,
    junctions.router,
    connections.router,
    knowledge.router,
]
