"""A small local site whose pages change between sync ticks (for schedules and bench/sync.py)."""

from __future__ import annotations

import asyncio
import html
import threading

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from tests.support.asgi_thread import ThreadedAsgiServer

TOPICS = ("invoices", "exports", "passwords", "webhooks", "billing", "teams", "reports", "imports")


def page_text(number: int, revision: int) -> tuple[str, list[str]]:
    """The title and paragraphs of page ``number`` at ``revision`` (each page its own topic)."""
    topic = f"{TOPICS[number % len(TOPICS)]} {number}"
    title = f"How to manage {topic}"
    paragraphs = [
        f"This page explains how to manage {topic} in the product, step by step, for "
        f"administrators and members of workspace {number}.",
        f"Open the settings of {topic}, choose the entry you need and confirm; the change "
        f"applies to everyone in workspace {number} at once.",
        f"Revision {revision} of page {number}: remember that limits for {topic} depend on "
        "your plan, and that support can raise them on request.",
    ]
    return title, paragraphs


class ChangingSite:
    def __init__(self, pages: int) -> None:
        self.revisions = dict.fromkeys(range(pages), 0)
        self.hits = 0
        self.not_modified = 0
        """Conditional requests answered 304 (each page's ETag names its revision)."""
        self.delay = 0.0
        """Seconds each page takes to answer (to hold a sync in its refresh)."""
        self._lock = threading.Lock()
        app = Starlette(
            routes=[
                Route("/page/{number:int}", self._page),
                Route("/robots.txt", lambda _request: Response(status_code=404)),
            ]
        )
        self.server = ThreadedAsgiServer(app, graceful_shutdown=1)

    def url(self, number: int) -> str:
        return f"{self.server.url}/page/{number}"

    def change(self, *numbers: int) -> None:
        with self._lock:
            for number in numbers:
                self.revisions[number] += 1

    async def _page(self, request: Request) -> Response:
        number = request.path_params["number"]
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.hits += 1
            revision = self.revisions.get(number)
        if revision is None:
            return Response(status_code=404)
        etag = f'"{number}-{revision}"'
        if request.headers.get("if-none-match") == etag:
            with self._lock:
                self.not_modified += 1
            return Response(status_code=304, headers={"ETag": etag})
        title, paragraphs = page_text(number, revision)
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        return HTMLResponse(
            f"<html><head><title>{html.escape(title)}</title></head><body><main><article>"
            f"<h1>{html.escape(title)}</h1>{body}</article></main></body></html>",
            headers={"ETag": etag},
        )

    def __enter__(self) -> ChangingSite:
        self.server.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.stop()
