"""The FastAPI application: routers, middleware, error contract, optional in-process workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kbsmith import __version__
from kbsmith.api import health
from kbsmith.api.errors import install_error_handlers
from kbsmith.api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from kbsmith.api.openapi import install_openapi
from kbsmith.api.routes import ROUTERS
from kbsmith.db.database import Database
from kbsmith.jobs.kinds import kbsmith_worker
from kbsmith.jobs.worker import Worker
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings


def create_app(settings: Settings, db: Database | None = None, *, workers: int = 0) -> FastAPI:
    """The app; with ``workers`` > 0, that many in-process job workers run beside it."""
    database = db or Database(settings.resolved_database_url)
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker_task: asyncio.Task[None] | None = None
        worker: Worker | None = None
        if workers > 0:
            worker = kbsmith_worker(database, runtime, workers)
            worker_task = asyncio.create_task(worker.run())
        try:
            yield
        finally:
            if worker and worker_task:
                worker.stop()
                await worker_task
            await runtime.aclose()
            if db is None:
                await database.dispose()

    app = FastAPI(
        title="kbsmith",
        version=__version__,
        description="Builds and keeps a support knowledge base from its sources.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.runtime = runtime
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(health.router)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
