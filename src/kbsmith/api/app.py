"""The FastAPI application: routers, middleware, error contract, optional job workers."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kbsmith import __version__
from kbsmith.api import health, metrics
from kbsmith.api.errors import install_error_handlers
from kbsmith.api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from kbsmith.api.openapi import install_openapi
from kbsmith.api.ratelimit import RateLimitHeadersMiddleware
from kbsmith.api.routes import ROUTERS
from kbsmith.api.routes.uploads import UPLOAD_PATH, upload_body_limit
from kbsmith.composition import Composition, kbsmith_worker
from kbsmith.console.app import install_console
from kbsmith.db.database import Database
from kbsmith.jobs.processes import WorkerProcesses
from kbsmith.jobs.worker import Worker
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings


def create_app(
    settings: Settings,
    db: Database | None = None,
    *,
    workers: int = 0,
    worker_processes: int = 0,
) -> FastAPI:
    """The app; with ``workers`` > 0, job workers run beside it, each running that many jobs
    at once: in this process, or in ``worker_processes`` processes of their own."""
    database = db or Database(settings.resolved_database_url)
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker_task: asyncio.Task[None] | None = None
        worker: Worker | None = None
        processes: WorkerProcesses | None = None
        if workers > 0 and worker_processes > 0:
            processes = WorkerProcesses(
                worker_processes, workers, _worker_env(settings), settings.job_shutdown_grace
            )
            worker_task = asyncio.create_task(processes.run())
        elif workers > 0:
            worker = kbsmith_worker(database, runtime, workers)
            worker_task = asyncio.create_task(worker.run())
        try:
            yield
        finally:
            try:
                if processes:
                    await processes.stop()
                if worker:
                    worker.stop()
                if worker_task:
                    await worker_task
            finally:
                await runtime.aclose()
                if db is None:
                    await database.dispose()

    app = FastAPI(
        title="kbsmith",
        version=__version__,
        description="Builds and keeps a support knowledge base from its sources.",
        lifespan=lifespan,
    )
    app.state.composition = Composition(settings, database, runtime)
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for router in ROUTERS:
        app.include_router(router)
    install_console(app)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        by_path={UPLOAD_PATH: upload_body_limit(settings)},
    )
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware)
    return app


def _worker_env(settings: Settings) -> dict[str, str]:
    """The environment of worker processes: ours, with the database and data directory
    spelled out (they must find the same database and secret whatever their directory)."""
    env = dict(os.environ, KBSMITH_DATA_DIR=str(settings.data_dir.resolve()))
    if settings.database_url:
        env["KBSMITH_DATABASE_URL"] = settings.database_url
    return env
