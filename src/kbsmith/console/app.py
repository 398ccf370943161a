"""Mounting the console into the API's app: its router, its static files, its error pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from kbsmith.console.auth import Refused, SignInRequired
from kbsmith.console.routes import HERE, page, router


def install_console(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/ui", status_code=303)

    @app.exception_handler(SignInRequired)
    async def _sign_in(_request: Request, _exc: SignInRequired) -> Response:
        return RedirectResponse("/ui/sign-in", status_code=303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        return page(request, "error.html", exc.status, message=exc.message)
