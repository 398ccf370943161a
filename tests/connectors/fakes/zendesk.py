"""A Zendesk Help Center API on 127.0.0.1, as its public documentation describes it.

Speaks: ``/api/v2/users/me.json``; ``/api/v2/help_center/{categories,sections,articles}.json``
with cursor paging (``page[size]``, ``page[after]``, ``meta.has_more``/``after_cursor``,
``links.next``) or offset paging (``page``/``per_page``, ``next_page``) when no cursor is asked
for; ``/api/v2/help_center/articles/{id}.json``. Auth is basic ``{email}/token:{api_token}`` or
``Authorization: Bearer {oauth_token}``; 401 ``{"error": "Couldn't authenticate you"}``; 404
``{"error": "RecordNotFound", "description": "Not found"}``; 429 with ``Retry-After``; and the
per-minute budget headers (``X-Rate-Limit``, ``X-Rate-Limit-Remaining``, ``ratelimit-*``).
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.asgi_thread import ThreadedAsgiServer

SUBDOMAIN = "acme"
EMAIL = "agent@acme.example"
API_TOKEN = "zd-api-token-6f1c2e"
OAUTH_TOKEN = "zd-oauth-token-93ab77"
MAX_PAGE_SIZE = 3
"""Small on purpose (Zendesk's is 100) so that every listing needs several pages."""
EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

PASSWORD_BODY = (
    "<p>Forgot your password? Open the sign-in page and choose <strong>Forgot password</strong>."
    " We email you a reset link within a few minutes.</p>"
    "<h2>The link expired</h2><p>Reset links stay valid for 24 hours. Ask for a new one from the"
    " same page if yours expired.</p><ul><li>Links work once.</li>"
    "<li>Only the newest link works.</li></ul>"
)
TWO_FACTOR_BODY = (
    "<p>Two-factor authentication protects your account with a code from an authenticator"
    " app.</p><ol><li>Open <em>Settings &gt; Security</em>.</li><li>Scan the QR code.</li>"
    "<li>Type the six-digit code to confirm.</li></ol>"
    '<p><img src="https://acme.zendesk.com/hc/article_attachments/1/qr.png" alt="QR code"></p>'
)
REFUND_BODY = (
    "<p>Rückerstattungen werden innerhalb von 14 Tagen auf das ursprüngliche Zahlungsmittel"
    " gebucht. 返金は14日以内に処理されます。</p>"
)
CRASH_BODY = (
    "<p>If the mobile app closes right after it starts, update it from the app store and"
    " restart your phone.</p><pre><code>Settings → Apps → Acme → Clear cache</code></pre>"
)
UNICODE_TITLE = "Rückerstattungen & Zahlungsfristen — 返金について"


@dataclass
class Article:
    id: int
    section_id: int
    title: str
    body: str
    draft: bool = False
    edited_at: datetime = EPOCH
    updated_at: datetime = EPOCH

    def wire(self) -> dict[str, Any]:
        slug = "-".join(self.title.split())[:40]
        return {
            "id": self.id,
            "url": f"https://{SUBDOMAIN}.zendesk.com/api/v2/help_center/en-us/articles/{self.id}.json",
            "html_url": f"https://{SUBDOMAIN}.zendesk.com/hc/en-us/articles/{self.id}-{slug}",
            "author_id": 360000000001,
            "comments_disabled": False,
            "draft": self.draft,
            "promoted": False,
            "position": 0,
            "vote_sum": 0,
            "vote_count": 0,
            "section_id": self.section_id,
            "created_at": _time(EPOCH),
            "updated_at": _time(self.updated_at),
            "edited_at": _time(self.edited_at),
            "name": self.title,
            "title": self.title,
            "source_locale": "en-us",
            "locale": "en-us",
            "outdated": False,
            "outdated_locales": [],
            "permission_group_id": 360000000002,
            "user_segment_id": None,
            "label_names": [],
            "body": self.body,
        }


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _category(category_id: int, name: str, position: int) -> dict[str, Any]:
    return {
        "id": category_id,
        "url": f"https://{SUBDOMAIN}.zendesk.com/api/v2/help_center/en-us/categories/{category_id}.json",
        "html_url": f"https://{SUBDOMAIN}.zendesk.com/hc/en-us/categories/{category_id}",
        "position": position,
        "created_at": _time(EPOCH),
        "updated_at": _time(EPOCH),
        "name": name,
        "description": "",
        "locale": "en-us",
        "source_locale": "en-us",
        "outdated": False,
    }


def _section(
    section_id: int, category_id: int, name: str, parent_section_id: int | None = None
) -> dict[str, Any]:
    return {
        "id": section_id,
        "url": f"https://{SUBDOMAIN}.zendesk.com/api/v2/help_center/en-us/sections/{section_id}.json",
        "html_url": f"https://{SUBDOMAIN}.zendesk.com/hc/en-us/sections/{section_id}",
        "category_id": category_id,
        "parent_section_id": parent_section_id,
        "position": 0,
        "sorting": "manual",
        "created_at": _time(EPOCH),
        "updated_at": _time(EPOCH),
        "name": name,
        "description": "",
        "locale": "en-us",
        "source_locale": "en-us",
        "outdated": False,
        "theme_template": "section_page",
    }


@dataclass
class Budget:
    """Zendesk's requests-per-minute allowance (the window is shortened for tests)."""

    limit: int = 700
    window: float = 60.0
    used: int = 0
    started: float = field(default_factory=time.monotonic)

    def spend(self) -> bool:
        now = time.monotonic()
        if now - self.started >= self.window:
            self.started, self.used = now, 0
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def headers(self) -> dict[str, str]:
        remaining = max(self.limit - self.used, 0)
        reset = max(int(self.window - (time.monotonic() - self.started) + 0.999), 1)
        return {
            "X-Rate-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(remaining),
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(reset),
        }


class FakeZendesk:
    """The fake's content and the test controls (edit, delete, revoke, storm, budget)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.categories: list[dict[str, Any]] = []
        self.sections: list[dict[str, Any]] = []
        self.articles: dict[int, Article] = {}
        self.revoked = False
        self.offset_paging_only = False
        self.storm_left = 0
        self.budget = Budget()
        self.throttled = 0
        self.requests: list[str] = []
        self._server = ThreadedAsgiServer(self._app())
        self._seed()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    def credentials(self, **overrides: str) -> dict[str, str]:
        return {
            "subdomain": SUBDOMAIN,
            "email": EMAIL,
            "apiToken": API_TOKEN,
            "baseUrl": self.url,
            **overrides,
        }

    # -- test controls -----------------------------------------------------------------
    def edit(self, article_id: int, *, body: str | None = None, title: str | None = None) -> None:
        with self._lock:
            article = self.articles[article_id]
            article.body = article.body if body is None else body
            article.title = article.title if title is None else title
            later = article.edited_at + timedelta(hours=1)
            article.edited_at = article.updated_at = later

    def delete(self, article_id: int) -> None:
        with self._lock:
            del self.articles[article_id]

    def revoke(self) -> None:
        self.revoked = True

    def storm(self, count: int) -> None:
        """The next ``count`` Help Center requests answer 429 with ``Retry-After: 1``."""
        self.storm_left = count

    def limit_budget(self, per_window: int, window: float) -> None:
        self.budget = Budget(limit=per_window, window=window)

    def article_id(self, title: str) -> int:
        return next(a.id for a in self.articles.values() if a.title == title)

    # -- content -----------------------------------------------------------------------
    def _seed(self) -> None:
        self.categories = [
            _category(360001000001, "Getting started", 1),
            _category(360001000002, "Billing", 2),
            _category(360001000003, "Announcements", 3),
        ]
        self.sections = [
            _section(360002000001, 360001000001, "Account basics"),
            _section(360002000002, 360001000001, "Troubleshooting"),
            _section(360002000003, 360001000001, "Mobile app", parent_section_id=360002000002),
            _section(360002000004, 360001000002, "Invoices"),
        ]
        seeds = [
            Article(360003000001, 360002000001, "Reset your password", PASSWORD_BODY),
            Article(
                360003000002, 360002000001, "Set up two-factor authentication", TWO_FACTOR_BODY
            ),
            Article(360003000003, 360002000004, UNICODE_TITLE, REFUND_BODY),
            Article(360003000004, 360002000003, "The app closes on start", CRASH_BODY),
            Article(360003000005, 360002000004, "Placeholder: tax invoices", ""),
            Article(
                360003000006,
                360002000001,
                "Single sign-on (coming soon)",
                "<p>Draft</p>",
                draft=True,
            ),
        ]
        for number in range(1, 10):
            seeds.append(
                Article(
                    360003000100 + number,
                    360002000004,
                    f"Invoice question {number}",
                    f"<p>Answer {number}: invoices are sent on the first working day of the"
                    f" month, and invoice number {number} is kept for ten years.</p>",
                )
            )
        self.articles = {a.id: a for a in seeds}

    # -- HTTP --------------------------------------------------------------------------
    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v2/users/me.json", self._me),
                Route("/api/v2/help_center/categories.json", self._list("categories")),
                Route("/api/v2/help_center/sections.json", self._list("sections")),
                Route("/api/v2/help_center/articles.json", self._list("articles")),
                Route("/api/v2/help_center/articles/{article_id:int}.json", self._article),
            ]
        )

    def _who(self, request: Request) -> str | None:
        """ "agent", "anonymous", or None for credentials Zendesk does not accept."""
        header = request.headers.get("authorization", "")
        if not header:
            return "anonymous"
        if self.revoked:
            return None
        if header == f"Bearer {OAUTH_TOKEN}":
            return "agent"
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            if decoded == f"{EMAIL}/token:{API_TOKEN}":
                return "agent"
        return None

    def _gate(self, request: Request) -> Response | None:
        """Auth, storms and the minute budget, in Zendesk's order and shapes."""
        self.requests.append(request.url.path)
        who = self._who(request)
        if who != "agent" and request.url.path != "/api/v2/users/me.json":
            return JSONResponse({"error": "Couldn't authenticate you"}, 401)
        if who is None:
            return JSONResponse({"error": "Couldn't authenticate you"}, 401)
        if self.storm_left > 0:
            self.storm_left -= 1
            return self._too_many(1)
        if not self.budget.spend():
            self.throttled += 1
            return self._too_many(int(self.budget.headers()["ratelimit-reset"]))
        return None

    def _too_many(self, retry_after: int) -> Response:
        return JSONResponse(
            {
                "error": "APIRateLimitExceeded",
                "description": "Number of allowed API requests per minute exceeded",
            },
            429,
            headers={"Retry-After": str(retry_after), **self.budget.headers()},
        )

    def _answer(self, body: dict[str, Any], status: int = 200) -> Response:
        return JSONResponse(body, status, headers=self.budget.headers())

    async def _me(self, request: Request) -> Response:
        refused = self._gate(request)
        if refused is not None:
            return refused
        if self._who(request) == "anonymous":
            user: dict[str, Any] = {
                "id": None,
                "name": "Anonymous user",
                "email": "invalid@example.com",
            }
        else:
            user = {"id": 360000000001, "name": "Ada Agent", "email": EMAIL, "role": "admin"}
        return self._answer({"user": user})

    def _list(self, kind: str) -> Any:
        async def endpoint(request: Request) -> Response:
            refused = self._gate(request)
            if refused is not None:
                return refused
            with self._lock:
                items = self._items(kind)
            if "page[size]" in request.query_params and not self.offset_paging_only:
                return self._answer(self._cursor_page(request, kind, items))
            return self._answer(self._offset_page(request, kind, items))

        return endpoint

    def _items(self, kind: str) -> list[dict[str, Any]]:
        if kind == "categories":
            return list(self.categories)
        if kind == "sections":
            return list(self.sections)
        return [a.wire() for a in sorted(self.articles.values(), key=lambda a: a.id)]

    def _cursor_page(
        self, request: Request, kind: str, items: list[dict[str, Any]]
    ) -> dict[str, Any]:
        size = min(int(request.query_params["page[size]"]), MAX_PAGE_SIZE)
        start = _decode_cursor(request.query_params.get("page[after]"))
        page = items[start : start + size]
        end = start + len(page)
        has_more = end < len(items)
        after = _encode_cursor(end) if page else None
        before = _encode_cursor(start) if page else None
        base = f"{self.url}{request.url.path}"
        return {
            kind: page,
            "meta": {"has_more": has_more, "after_cursor": after, "before_cursor": before},
            "links": {
                "first": f"{base}?{urlencode({'page[size]': size})}",
                "last": f"{base}?{urlencode({'page[size]': size, 'page[before]': ''})}",
                "next": f"{base}?{urlencode({'page[size]': size, 'page[after]': after})}"
                if has_more
                else None,
                "prev": f"{base}?{urlencode({'page[size]': size, 'page[before]': before})}"
                if start
                else None,
            },
        }

    def _offset_page(
        self, request: Request, kind: str, items: list[dict[str, Any]]
    ) -> dict[str, Any]:
        per_page = min(int(request.query_params.get("per_page", MAX_PAGE_SIZE)), MAX_PAGE_SIZE)
        number = max(int(request.query_params.get("page", "1")), 1)
        page = items[(number - 1) * per_page : number * per_page]
        base = f"{self.url}{request.url.path}"
        more = number * per_page < len(items)
        return {
            kind: page,
            "page": number,
            "per_page": per_page,
            "page_count": max((len(items) + per_page - 1) // per_page, 1),
            "count": len(items),
            "next_page": f"{base}?page={number + 1}&per_page={per_page}" if more else None,
            "previous_page": f"{base}?page={number - 1}&per_page={per_page}"
            if number > 1
            else None,
            "sort_by": "position",
            "sort_order": "asc",
        }

    async def _article(self, request: Request) -> Response:
        refused = self._gate(request)
        if refused is not None:
            return refused
        with self._lock:
            article = self.articles.get(int(request.path_params["article_id"]))
            wire = article.wire() if article is not None else None
        if wire is None:
            return self._answer({"error": "RecordNotFound", "description": "Not found"}, 404)
        return self._answer({"article": wire})


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    padded = cursor + "=" * (-len(cursor) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().removeprefix("offset:"))
