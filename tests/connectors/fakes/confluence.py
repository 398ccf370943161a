"""A fake Confluence on 127.0.0.1: Cloud REST v2 (/wiki/api/v2) and Data Center (/rest/api).

Data Center is served below the context path `/confluence`, as many installations are.

Cloud answers need basic auth (email + API token) and page with opaque `cursor`s announced in
`_links.next` and a `Link: <...>; rel="next"` header; errors look like
`{"errors": [{"status", "code", "title", "detail"}]}`. Data Center answers need
`Authorization: Bearer <personal access token>` and page with `start`/`limit`, the next page
in `_links.next`; errors look like `{"statusCode", "message", "reason"}`. Result pages are
small (3) so a big space needs several. Trashed pages leave listings; fetched by id they show
`status: "trashed"` (Data Center: only when asked for `status=any`). Tests edit, trash and
purge pages, revoke credentials and start bursts of 429s (with `Retry-After`) that end.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.asgi_thread import ThreadedAsgiServer

Json = dict[str, Any]
SITE = "https://acme.atlassian.net"
DC_CONTEXT = "/confluence"
DC_SITE = f"https://confluence.acme.test{DC_CONTEXT}"
EMAIL = "docs-bot@acme.test"
API_TOKEN = "ATATT3xFfGF0-test-api-token"
PERSONAL_ACCESS_TOKEN = "NjQ5MDg3-test-personal-access-token"
RESULTS_PER_PAGE = 3


@dataclass
class FakeSpace:
    id: str
    key: str
    name: str


@dataclass
class FakePage:
    id: str
    space: FakeSpace
    title: str
    body: str
    parent_id: str | None = None
    status: str = "current"
    version: int = 1
    history: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Call:
    at: float
    method: str
    path: str


class FakeConfluence:
    def __init__(self) -> None:
        self.cloud_accounts = {EMAIL: API_TOKEN}
        self.personal_access_tokens = {PERSONAL_ACCESS_TOKEN}
        self.spaces: list[FakeSpace] = []
        self.pages: dict[str, FakePage] = {}
        self.calls: list[Call] = []
        self._next_id = 98000
        self._storm_left = 0
        self._storm_retry_after = 1
        self._lock = threading.Lock()
        self._server = ThreadedAsgiServer(self._app())

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> FakeConfluence:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    # --- test controls -------------------------------------------------------------------

    def add_space(self, key: str, name: str) -> FakeSpace:
        space = FakeSpace(self._new_id(), key, name)
        self.spaces.append(space)
        return space

    def add_page(
        self, space: FakeSpace, title: str, body: str, *, parent_id: str | None = None
    ) -> str:
        page = FakePage(self._new_id(), space, title, body, parent_id)
        self.pages[page.id] = page
        return page.id

    def edit_page(self, page_id: str, body: str) -> None:
        page = self.pages[page_id]
        page.history.append(page.body)
        page.body = body
        page.version += 1

    def trash(self, page_id: str) -> None:
        self.pages[page_id].status = "trashed"

    def purge(self, page_id: str) -> None:
        del self.pages[page_id]

    def revoke(self) -> None:
        self.cloud_accounts.clear()
        self.personal_access_tokens.clear()

    def storm(self, count: int, retry_after: int = 1) -> None:
        """The next `count` requests are answered 429 Too Many Requests."""
        with self._lock:
            self._storm_left = count
            self._storm_retry_after = retry_after

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    # --- shared HTTP behaviour -------------------------------------------------------------

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/wiki/api/v2/spaces", self._cloud_spaces),
                Route("/wiki/api/v2/spaces/{space_id}/pages", self._cloud_space_pages),
                Route("/wiki/api/v2/pages", self._cloud_pages),
                Route("/wiki/api/v2/pages/{page_id}", self._cloud_page),
                Route(f"{DC_CONTEXT}/rest/api/space", self._dc_spaces),
                Route(f"{DC_CONTEXT}/rest/api/content", self._dc_contents),
                Route(f"{DC_CONTEXT}/rest/api/content/{{page_id}}", self._dc_content),
            ]
        )

    def _rate_limited(self, request: Request) -> bool:
        self.calls.append(Call(time.monotonic(), request.method, request.url.path))
        with self._lock:
            if self._storm_left <= 0:
                return False
            self._storm_left -= 1
            return True

    def _cloud_signed_in(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme != "Basic":
            return False
        try:
            email, _, token = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return self.cloud_accounts.get(email) == token

    def _dc_signed_in(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme == "Bearer" and token in self.personal_access_tokens

    # --- Cloud REST v2 ---------------------------------------------------------------------

    def _cloud_gate(self, request: Request) -> Response | None:
        if self._rate_limited(request):
            return _cloud_error(429, "TOO_MANY_REQUESTS", "Too Many Requests", self._retry())
        if not self._cloud_signed_in(request):
            return _cloud_error(401, "UNAUTHORIZED", "Unauthorized")
        return None

    def _retry(self) -> dict[str, str]:
        return {"Retry-After": str(self._storm_retry_after), "X-RateLimit-Reason": "burst"}

    async def _cloud_spaces(self, request: Request) -> Response:
        if refused := self._cloud_gate(request):
            return refused
        return _cloud_list(request, [_cloud_space(s) for s in self.spaces])

    async def _cloud_space_pages(self, request: Request) -> Response:
        if refused := self._cloud_gate(request):
            return refused
        space_id = request.path_params["space_id"]
        if not any(space.id == space_id for space in self.spaces):
            return _cloud_error(404, "NOT_FOUND", "Not Found")
        statuses = request.query_params.get("status", "current").split(",")
        pages = [
            _cloud_page(page, with_body=False)
            for page in self.pages.values()
            if page.space.id == space_id and page.status in statuses
        ]
        return _cloud_list(request, pages)

    async def _cloud_pages(self, request: Request) -> Response:
        if refused := self._cloud_gate(request):
            return refused
        ids = request.query_params.get("id", "")
        wanted = set(ids.split(",")) if ids else None
        statuses = request.query_params.get("status", "current").split(",")
        pages = [
            _cloud_page(page, with_body=False)
            for page in self.pages.values()
            if (wanted is None or page.id in wanted) and page.status in statuses
        ]
        return _cloud_list(request, pages)

    async def _cloud_page(self, request: Request) -> Response:
        if refused := self._cloud_gate(request):
            return refused
        page = self.pages.get(request.path_params["page_id"])
        if page is None:
            return _cloud_error(404, "NOT_FOUND", "Not Found")
        with_body = request.query_params.get("body-format") == "storage"
        return JSONResponse(_cloud_page(page, with_body=with_body))

    # --- Data Center REST API --------------------------------------------------------------

    def _dc_gate(self, request: Request) -> Response | None:
        if self._rate_limited(request):
            return _dc_error(429, "Rate limit exceeded", "Too Many Requests", self._retry())
        if not self._dc_signed_in(request):
            return _dc_error(
                401,
                "This request requires authentication: the personal access token is invalid",
                "Unauthorized",
            )
        return None

    async def _dc_spaces(self, request: Request) -> Response:
        if refused := self._dc_gate(request):
            return refused
        return _dc_list(request, [_dc_space(space) for space in self.spaces])

    async def _dc_contents(self, request: Request) -> Response:
        if refused := self._dc_gate(request):
            return refused
        key = request.query_params.get("spaceKey")
        statuses = request.query_params.get("status", "current").split(",")
        pages = [
            _dc_page(page, with_body=False)
            for page in self.pages.values()
            if (key is None or page.space.key == key) and page.status in statuses
        ]
        return _dc_list(request, pages)

    async def _dc_content(self, request: Request) -> Response:
        if refused := self._dc_gate(request):
            return refused
        page = self.pages.get(request.path_params["page_id"])
        statuses = request.query_params.get("status", "current").split(",")
        visible = page is not None and ("any" in statuses or page.status in statuses)
        if page is None or not visible:
            return _dc_error(
                404, f"No content found with id: ContentId{{id={request.path_params['page_id']}}}"
            )
        with_body = "body.storage" in request.query_params.get("expand", "")
        return JSONResponse(_dc_page(page, with_body=with_body))


# --- Cloud wire shapes ---------------------------------------------------------------------


def _cloud_space(space: FakeSpace) -> Json:
    return {
        "id": space.id,
        "key": space.key,
        "name": space.name,
        "type": "global",
        "status": "current",
        "authorId": "5b10a2844c20165700ede21g",
        "createdAt": "2025-11-04T08:15:00.000Z",
        "homepageId": None,
        "description": None,
        "icon": None,
        "_links": {"webui": f"/spaces/{space.key}"},
    }


def _cloud_page(page: FakePage, *, with_body: bool) -> Json:
    body = {"storage": {"representation": "storage", "value": page.body}} if with_body else {}
    return {
        "id": page.id,
        "status": page.status,
        "title": page.title,
        "spaceId": page.space.id,
        "parentId": page.parent_id,
        "parentType": "page" if page.parent_id else None,
        "position": 0,
        "authorId": "5b10a2844c20165700ede21g",
        "ownerId": "5b10a2844c20165700ede21g",
        "createdAt": "2025-11-04T08:20:00.000Z",
        "version": {
            "createdAt": "2026-02-01T10:00:00.000Z",
            "message": "",
            "number": page.version,
            "minorEdit": False,
            "authorId": "5b10a2844c20165700ede21g",
        },
        "body": body,
        "_links": {
            "webui": f"/spaces/{page.space.key}/pages/{page.id}/{quote_plus(page.title)}",
            "editui": f"/pages/resumedraft.action?draftId={page.id}",
            "tinyui": f"/x/{page.id}",
        },
    }


def _cloud_list(request: Request, items: Sequence[Json]) -> Response:
    limit = min(int(request.query_params.get("limit", "25")), RESULTS_PER_PAGE)
    start = _decode_cursor(request.query_params.get("cursor"))
    if start is None:
        return _cloud_error(400, "INVALID_REQUEST_PARAMETER", "Invalid cursor")
    links: Json = {"base": f"{SITE}/wiki"}
    headers: dict[str, str] = {}
    if start + limit < len(items):
        query = {k: v for k, v in request.query_params.items() if k != "cursor"}
        query["cursor"] = _encode_cursor(start + limit)
        links["next"] = f"{request.url.path}?{urlencode(query)}"
        headers["Link"] = f'<{links["next"]}>; rel="next", <{SITE}/wiki>; rel="base"'
    body = {"results": list(items[start : start + limit]), "_links": links}
    return JSONResponse(body, headers=headers)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(text.removeprefix("offset:"))
    except ValueError:
        return None


def _cloud_error(
    status: int, code: str, title: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"errors": [{"status": status, "code": code, "title": title, "detail": None}]}
    return JSONResponse(body, status_code=status, headers=headers)


# --- Data Center wire shapes ---------------------------------------------------------------


def _dc_space(space: FakeSpace) -> Json:
    return {
        "id": int(space.id),
        "key": space.key,
        "name": space.name,
        "type": "global",
        "status": "current",
        "_links": {
            "webui": f"/display/{space.key}",
            "self": f"{DC_SITE}/rest/api/space/{space.key}",
        },
        "_expandable": {"homepage": "", "description": "", "metadata": ""},
    }


def _dc_page(page: FakePage, *, with_body: bool) -> Json:
    item: Json = {
        "id": page.id,
        "type": "page",
        "status": page.status,
        "title": page.title,
        "version": {"number": page.version, "minorEdit": False, "hidden": False},
        "_links": {
            "webui": f"/display/{page.space.key}/{quote_plus(page.title)}",
            "tinyui": f"/x/{page.id}",
            "self": f"{DC_SITE}/rest/api/content/{page.id}",
        },
        "_expandable": {"container": f"/rest/api/space/{page.space.key}", "ancestors": ""},
    }
    if with_body:
        item["body"] = {"storage": {"value": page.body, "representation": "storage"}}
    return item


def _dc_list(request: Request, items: Sequence[Json]) -> Response:
    limit = min(int(request.query_params.get("limit", "25")), RESULTS_PER_PAGE)
    start = int(request.query_params.get("start", "0"))
    chunk = list(items[start : start + limit])
    path = request.url.path.removeprefix(DC_CONTEXT)  # links are relative to the context
    links: Json = {"base": DC_SITE, "context": DC_CONTEXT, "self": f"{DC_SITE}{path}"}
    if start + limit < len(items):
        query = {k: v for k, v in request.query_params.items() if k != "start"}
        query["start"] = str(start + limit)
        links["next"] = f"{path}?{urlencode(query)}"
    body = {"results": chunk, "start": start, "limit": limit, "size": len(chunk), "_links": links}
    return JSONResponse(body)


def _dc_error(
    status: int, message: str, reason: str = "Not Found", headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"statusCode": status, "message": message, "reason": reason}
    return JSONResponse(body, status_code=status, headers=headers)


@dataclass(frozen=True)
class Site:
    """Ids of the seeded content."""

    docs: FakeSpace
    install: str
    proxy: str
    unicode_page: str
    empty: str
    releases: list[str]


INSTALL_TITLE = "Install the agent"
INSTALL_BODY = """<h2>Download</h2>
<p>Download the installer from the admin console&nbsp;and run it as an administrator. The agent
registers itself with your workspace &mdash; no restart needed.</p>
<ac:structured-macro ac:name="info" ac:schema-version="1" ac:macro-id="a1b2">
<ac:parameter ac:name="title">Before you start</ac:parameter>
<ac:rich-text-body><p>You need the <strong>Admin</strong> role to install agents on shared
machines.</p></ac:rich-text-body></ac:structured-macro>
<ac:structured-macro ac:name="toc" ac:schema-version="1"/>
<h2>Supported systems</h2>
<ul><li>Windows 10 or later</li><li>macOS 13 or later<ul><li>Apple silicon is supported</li>
</ul></li></ul>
<ac:structured-macro ac:name="code" ac:schema-version="1">
<ac:parameter ac:name="language">bash</ac:parameter>
<ac:plain-text-body><![CDATA[curl -fsSL https://get.acme.test/agent | sudo sh
sudo acme-agent register --token <TOKEN>]]></ac:plain-text-body>
</ac:structured-macro>
<ac:structured-macro ac:name="jira" ac:schema-version="1">
<ac:parameter ac:name="key">OPS-1234</ac:parameter></ac:structured-macro>
<ac:structured-macro ac:name="expand" ac:schema-version="1">
<ac:parameter ac:name="title">The agent does not show up</ac:parameter>
<ac:rich-text-body><p>Wait five minutes, then check the proxy settings described in
<ac:link><ri:page ri:content-title="Proxy setup"/></ac:link>.</p></ac:rich-text-body>
</ac:structured-macro>
<table><tbody><tr><th>Plan</th><th>Agents</th></tr><tr><td>Basic</td><td>5</td></tr>
<tr><td>Pro</td><td>50</td></tr></tbody></table>"""
PROXY_TITLE = "Proxy setup"
PROXY_BODY = """<p>The agent talks to <code>api.acme.test</code> over HTTPS on port 443 only.</p>
<h3>Corporate proxies</h3>
<p>Set the proxy address in the agent settings. Authenticated proxies need a user that may
reach the internet without an interactive sign-in.</p>
<ol><li>Open the agent settings.</li><li>Enter the proxy address and port.</li>
<li>Restart the agent service.</li></ol>
<ac:structured-macro ac:name="warning" ac:schema-version="1"><ac:rich-text-body>
<p>TLS inspection breaks certificate pinning; exempt api.acme.test from it.</p>
</ac:rich-text-body></ac:structured-macro>"""
UNICODE_TITLE = "Über die Plattform — 概要 ✓"
UNICODE_BODY = """<p>Die Plattform läuft in Rechenzentren in Frankfurt und Zürich.</p>
<p>データはすべて EU 内に保存されます。</p>"""


def seed_site(fake: FakeConfluence) -> Site:
    """Four spaces (one empty); the docs space needs three result pages."""
    docs = fake.add_space("DOCS", "Product documentation")
    install = fake.add_page(docs, INSTALL_TITLE, INSTALL_BODY)
    proxy = fake.add_page(docs, PROXY_TITLE, PROXY_BODY, parent_id=install)
    unicode_page = fake.add_page(docs, UNICODE_TITLE, UNICODE_BODY)
    empty = fake.add_page(docs, "Empty page", "")
    releases = [
        fake.add_page(
            docs,
            f"Release 5.{minor} notes",
            f"<p>Version 5.{minor} speeds up sync and fixes reconnects after sleep.</p>",
        )
        for minor in range(4)
    ]
    handbook = fake.add_space("HR", "Team handbook")
    fake.add_page(handbook, "Holidays", "<p>Everyone gets 28 days of paid leave a year.</p>")
    fake.add_page(handbook, "Expenses", "<p>Submit receipts within 30 days of purchase.</p>")
    runbooks = fake.add_space("OPS", "Operations runbooks")
    fake.add_page(runbooks, "Restart the sync", "<p>Restart the sync workers one at a time.</p>")
    fake.add_space("SANDBOX", "Sandbox")
    return Site(docs, install, proxy, unicode_page, empty, releases)
