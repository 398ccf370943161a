"""A fake Notion API (Notion-Version 2022-06-28) on 127.0.0.1, as a reader of its docs knows it.

It checks `Authorization: Bearer` and `Notion-Version`, pages every list with `start_cursor` /
`next_cursor` / `has_more` (page sizes far below Notion's 100, so paging is exercised), answers
errors as `{"object": "error", "status", "code", "message"}`, and 429 `rate_limited` with
`Retry-After`. Tests drive it: edit or trash or remove a page, revoke the token, start a
burst of 429s that ends.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.asgi_thread import ThreadedAsgiServer

Json = dict[str, Any]
NOTION_VERSION = "2022-06-28"
TOKEN = "secret_kbsmithTestIntegrationToken0001"
WORKSPACE_NAME = "Acme Support"
BOT_NAME = "kbsmith sync"


@dataclass
class Block:
    """A block to seed: its type, its type-specific content, and nested blocks."""

    type: str
    content: Json
    children: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Call:
    at: float
    method: str
    path: str


def rich(text: str, *, bold: bool = False, italic: bool = False, code: bool = False) -> Json:
    return {
        "type": "text",
        "text": {"content": text, "link": None},
        "annotations": {
            "bold": bold,
            "italic": italic,
            "strikethrough": False,
            "underline": False,
            "code": code,
            "color": "default",
        },
        "plain_text": text,
        "href": None,
    }


Text = str | Sequence[Json]


def _rich_text(text: Text) -> list[Json]:
    return [rich(text)] if isinstance(text, str) else list(text)


def _texted(kind: str, text: Text, children: Sequence[Block], **extra: Any) -> Block:
    content = {"rich_text": _rich_text(text), "color": "default", **extra}
    return Block(kind, content, list(children))


def paragraph(text: Text, *children: Block) -> Block:
    return _texted("paragraph", text, children)


def heading(level: int, text: Text, *children: Block) -> Block:
    return _texted(f"heading_{level}", text, children, is_toggleable=bool(children))


def bullet(text: Text, *children: Block) -> Block:
    return _texted("bulleted_list_item", text, children)


def numbered(text: Text, *children: Block) -> Block:
    return _texted("numbered_list_item", text, children)


def to_do(text: Text, *, checked: bool = False) -> Block:
    return _texted("to_do", text, (), checked=checked)


def toggle(text: Text, *children: Block) -> Block:
    return _texted("toggle", text, children)


def callout(text: Text, emoji: str = "💡") -> Block:
    return _texted("callout", text, (), icon={"type": "emoji", "emoji": emoji})


def quote(text: Text) -> Block:
    return _texted("quote", text, ())


def code(text: str, language: str = "bash") -> Block:
    return Block("code", {"rich_text": [rich(text)], "caption": [], "language": language})


def divider() -> Block:
    return Block("divider", {})


def table(rows: Sequence[Sequence[str]]) -> Block:
    cells = [Block("table_row", {"cells": [[rich(cell)] for cell in row]}) for row in rows]
    width = len(rows[0]) if rows else 0
    content = {"table_width": width, "has_column_header": True, "has_row_header": False}
    return Block("table", content, cells)


class FakeNotion:
    def __init__(self, *, search_page_size: int = 5, children_page_size: int = 5) -> None:
        self.tokens = {TOKEN}
        self.objects: dict[str, Json] = {}
        """Pages and databases by id, as GET /v1/pages|databases/{id} answers them."""
        self.children: dict[str, list[Json]] = {}
        """Block objects by the id of their parent (a page or a block)."""
        self.calls: list[Call] = []
        self.search_page_size = search_page_size
        self.children_page_size = children_page_size
        self._clock = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        self._storm_left = 0
        self._storm_retry_after = 1
        self._lock = threading.Lock()
        self._server = ThreadedAsgiServer(self._app())

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> FakeNotion:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    # --- test controls -------------------------------------------------------------------

    def add_page(
        self,
        title: str,
        blocks: Sequence[Block] = (),
        *,
        parent_id: str | None = None,
        icon: Json | None = None,
    ) -> str:
        page_id = str(uuid.uuid4())
        parent: Json = {"type": "workspace", "workspace": True}
        if parent_id is not None:
            parent = {"type": "page_id", "page_id": parent_id}
            self._append_blocks(parent_id, [Block("child_page", {"title": title})])
        self.objects[page_id] = self._page_object(page_id, title, parent, icon)
        self._append_blocks(page_id, blocks)
        return page_id

    def add_database(
        self, title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]
    ) -> str:
        """A database whose first column is the title; every other column is rich text."""
        database_id = str(uuid.uuid4())
        schema = {
            name: {"id": f"p{i}", "name": name, "type": kind, kind: {}}
            for i, name in enumerate(columns)
            for kind in ["title" if i == 0 else "rich_text"]
        }
        self.objects[database_id] = {
            "object": "database",
            "id": database_id,
            "created_time": self._now(),
            "last_edited_time": self._now(),
            "title": [rich(title)],
            "description": [],
            "icon": None,
            "parent": {"type": "workspace", "workspace": True},
            "url": _notion_url(title, database_id),
            "archived": False,
            "in_trash": False,
            "is_inline": False,
            "properties": schema,
        }
        for row in rows:
            self._add_row(database_id, columns, row)
        return database_id

    def edit_page(self, page_id: str, blocks: Sequence[Block]) -> None:
        self.children[page_id] = []
        self._append_blocks(page_id, blocks)
        self.objects[page_id]["last_edited_time"] = self._tick()

    def trash(self, object_id: str) -> None:
        """Move to Notion's trash: still readable by id, with archived/in_trash set."""
        self.objects[object_id].update(archived=True, in_trash=True, last_edited_time=self._tick())

    def remove(self, object_id: str) -> None:
        """Gone for good (or unshared from the integration): 404 object_not_found."""
        del self.objects[object_id]

    def revoke(self, token: str = TOKEN) -> None:
        self.tokens.discard(token)

    def storm(self, count: int, retry_after: int = 1) -> None:
        """The next `count` requests are answered 429 rate_limited."""
        with self._lock:
            self._storm_left = count
            self._storm_retry_after = retry_after

    def calls_to(self, path_part: str) -> list[Call]:
        return [call for call in self.calls if path_part in call.path]

    # --- seeding helpers -------------------------------------------------------------------

    def _now(self) -> str:
        return self._clock.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _tick(self) -> str:
        self._clock += timedelta(minutes=1)
        return self._now()

    def _page_object(self, page_id: str, title: str, parent: Json, icon: Json | None) -> Json:
        return {
            "object": "page",
            "id": page_id,
            "created_time": self._now(),
            "last_edited_time": self._tick(),
            "created_by": {"object": "user", "id": "0c3a4b5e-0000-4000-8000-000000000001"},
            "last_edited_by": {"object": "user", "id": "0c3a4b5e-0000-4000-8000-000000000001"},
            "cover": None,
            "icon": icon,
            "parent": parent,
            "archived": False,
            "in_trash": False,
            "properties": {"title": {"id": "title", "type": "title", "title": [rich(title)]}},
            "url": _notion_url(title, page_id),
            "public_url": None,
        }

    def _add_row(self, database_id: str, columns: Sequence[str], row: Sequence[str]) -> None:
        row_id = str(uuid.uuid4())
        parent = {"type": "database_id", "database_id": database_id}
        page = self._page_object(row_id, row[0], parent, None)
        page["properties"] = {
            name: {"id": f"p{i}", "type": kind, kind: [rich(value)]}
            for i, (name, value) in enumerate(zip(columns, row, strict=True))
            for kind in ["title" if i == 0 else "rich_text"]
        }
        self.objects[row_id] = page

    def _append_blocks(self, parent_id: str, blocks: Sequence[Block]) -> None:
        siblings = self.children.setdefault(parent_id, [])
        for block in blocks:
            block_id = str(uuid.uuid4())
            parent_type = "page_id" if parent_id in self.objects else "block_id"
            siblings.append(
                {
                    "object": "block",
                    "id": block_id,
                    "parent": {"type": parent_type, parent_type: parent_id},
                    "created_time": self._now(),
                    "last_edited_time": self._now(),
                    "has_children": bool(block.children) or block.type == "child_page",
                    "archived": False,
                    "in_trash": False,
                    "type": block.type,
                    block.type: block.content,
                }
            )
            self._append_blocks(block_id, block.children)

    # --- the HTTP API ----------------------------------------------------------------------

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/users/me", self._me, methods=["GET"]),
                Route("/v1/search", self._search, methods=["POST"]),
                Route("/v1/pages/{object_id}", self._page, methods=["GET"]),
                Route("/v1/databases/{object_id}", self._database, methods=["GET"]),
                Route("/v1/databases/{object_id}/query", self._query, methods=["POST"]),
                Route("/v1/blocks/{object_id}/children", self._block_children, methods=["GET"]),
            ]
        )

    def _refusal(self, request: Request) -> JSONResponse | None:
        self.calls.append(Call(time.monotonic(), request.method, request.url.path))
        with self._lock:
            if self._storm_left > 0:
                self._storm_left -= 1
                return _error(
                    429,
                    "rate_limited",
                    "You have been rate limited. Please try again in a few minutes.",
                    headers={"Retry-After": str(self._storm_retry_after)},
                )
        if request.headers.get("notion-version") != NOTION_VERSION:
            return _error(
                400,
                "missing_version",
                "Notion-Version header failed validation: Notion-Version header should be"
                " defined, instead was `undefined`.",
            )
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            return _error(401, "unauthorized", "API token is invalid.")
        return None

    async def _me(self, request: Request) -> JSONResponse:
        if refused := self._refusal(request):
            return refused
        return JSONResponse(
            {
                "object": "user",
                "id": "9b2d3c1e-0000-4000-8000-000000000b07",
                "name": BOT_NAME,
                "avatar_url": None,
                "type": "bot",
                "bot": {
                    "owner": {"type": "workspace", "workspace": True},
                    "workspace_name": WORKSPACE_NAME,
                },
            }
        )

    async def _search(self, request: Request) -> JSONResponse:
        if refused := self._refusal(request):
            return refused
        body = await request.json()
        wanted = (body.get("filter") or {}).get("value")
        found = [
            item
            for item in self.objects.values()
            if not item["in_trash"] and (wanted is None or item["object"] == wanted)
        ]
        return self._list(found, body, self.search_page_size, "page_or_database")

    async def _page(self, request: Request) -> JSONResponse:
        return await self._get_object(request, "page")

    async def _database(self, request: Request) -> JSONResponse:
        return await self._get_object(request, "database")

    async def _get_object(self, request: Request, kind: str) -> JSONResponse:
        if refused := self._refusal(request):
            return refused
        object_id = _dashed(request.path_params["object_id"])
        item = self.objects.get(object_id)
        if item is None or item["object"] != kind:
            return _not_found(kind, object_id)
        return JSONResponse(item)

    async def _query(self, request: Request) -> JSONResponse:
        if refused := self._refusal(request):
            return refused
        database_id = _dashed(request.path_params["object_id"])
        if self.objects.get(database_id, {}).get("object") != "database":
            return _not_found("database", database_id)
        rows = [
            item
            for item in self.objects.values()
            if item["parent"].get("database_id") == database_id and not item["in_trash"]
        ]
        return self._list(rows, await request.json(), self.search_page_size, "page_or_database")

    async def _block_children(self, request: Request) -> JSONResponse:
        if refused := self._refusal(request):
            return refused
        block_id = _dashed(request.path_params["object_id"])
        if block_id not in self.children and block_id not in self.objects:
            return _not_found("block", block_id)
        query = dict(request.query_params)
        return self._list(self.children.get(block_id, []), query, self.children_page_size, "block")

    def _list(self, items: list[Json], paging: Json, cap: int, kind: str) -> JSONResponse:
        size = min(int(paging.get("page_size") or 100), cap)
        start = 0
        if cursor := paging.get("start_cursor"):
            ids = [item["id"] for item in items]
            if cursor not in ids:
                return _error(400, "validation_error", "start_cursor should be a valid cursor.")
            start = ids.index(cursor)
        chunk = items[start : start + size]
        more = start + size < len(items)
        return JSONResponse(
            {
                "object": "list",
                "results": chunk,
                "next_cursor": items[start + size]["id"] if more else None,
                "has_more": more,
                "type": kind,
                kind: {},
                "request_id": str(uuid.uuid4()),
            }
        )


def _dashed(object_id: str) -> str:
    """Notion accepts ids with or without dashes; the fake keys them dashed."""
    try:
        return str(uuid.UUID(object_id.replace("-", "")))
    except ValueError:
        return object_id


def _notion_url(title: str, object_id: str) -> str:
    slug = "-".join("".join(c if c.isalnum() else " " for c in title).split())
    return f"https://www.notion.so/{slug}-{object_id.replace('-', '')}"


def _not_found(kind: str, object_id: str) -> JSONResponse:
    return _error(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. Make sure the relevant pages and"
        " databases are shared with your integration.",
    )


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {
        "object": "error",
        "status": status,
        "code": code,
        "message": message,
        "request_id": str(uuid.uuid4()),
    }
    return JSONResponse(body, status_code=status, headers=headers)


@dataclass(frozen=True)
class Workspace:
    """Ids of the seeded content."""

    getting_started: str
    advanced_setup: str
    pricing_unicode: str
    empty: str
    faq_database: str
    release_notes: list[str]


GETTING_STARTED_BLOCKS = [
    heading(1, "Welcome to Acme"),
    paragraph(
        [
            rich("Acme syncs your support inbox with your help center. "),
            rich("Every workspace", bold=True),
            rich(" starts on the free plan and can upgrade at any time."),
        ]
    ),
    heading(2, "Before you begin"),
    bullet("An admin account on your help desk"),
    bullet(
        "A browser we support",
        bullet("Chrome or Edge, the last two versions"),
        bullet("Firefox ESR"),
    ),
    numbered("Open Settings and choose Integrations."),
    numbered("Paste the API key from your help desk."),
    numbered("Press Connect and wait for the first sync."),
    to_do("Invite your teammates", checked=True),
    to_do("Turn on weekly reports"),
    toggle(
        "How long does the first sync take?",
        paragraph("Usually under ten minutes for up to fifty thousand tickets."),
    ),
    callout("Syncing never changes tickets in your help desk; it only reads them."),
    quote("Acme cut our first-response time in half. — Dana, support lead"),
    code("acme sync --workspace demo --since 2026-01-01"),
    divider(),
    heading(3, "Plans at a glance"),
    table([["Plan", "Seats", "Price"], ["Free", "3", "0 €"], ["Team", "25", "49 €"]]),
]
ADVANCED_SETUP_BLOCKS = [
    heading(2, "Single sign-on"),
    paragraph("Acme supports SAML 2.0 with any identity provider that signs its assertions."),
    toggle(
        "Okta",
        paragraph("Create a SAML app in Okta and paste its metadata URL into Acme."),
        toggle("Troubleshooting", paragraph("Check that the clock of your server is in sync.")),
    ),
]
PRICING_TITLE = "Tarifs et facturation — 料金プラン 💶"
PRICING_BLOCKS = [
    paragraph("Les factures sont émises le premier jour de chaque mois, en euros."),
    paragraph("請求書は毎月一日に発行されます。"),
]


def seed_workspace(fake: FakeNotion) -> Workspace:
    """A small help-center workspace; enough objects that search needs several pages."""
    getting_started = fake.add_page(
        "Getting started",
        GETTING_STARTED_BLOCKS,
        icon={
            "type": "external",
            "external": {"url": "https://www.notion.so/icons/flag_green.svg"},
        },
    )
    advanced = fake.add_page("Advanced setup", ADVANCED_SETUP_BLOCKS, parent_id=getting_started)
    pricing = fake.add_page(PRICING_TITLE, PRICING_BLOCKS, icon={"type": "emoji", "emoji": "💶"})
    empty = fake.add_page("Empty draft")
    faq = fake.add_database(
        "Support FAQ",
        ["Question", "Answer"],
        [
            ["Can I export my data?", "Yes, as CSV from Settings → Export."],
            ["Do you offer refunds?", "Within 30 days of purchase, no questions asked."],
        ],
    )
    notes = [
        fake.add_page(
            f"Release notes 2026-0{month}",
            [paragraph(f"Release {month}.0 improves search relevance and fixes sync retries.")],
        )
        for month in range(1, 7)
    ]
    return Workspace(getting_started, advanced, pricing, empty, faq, notes)
