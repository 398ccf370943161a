"""Google Drive API v3 and Google's OAuth token endpoint on 127.0.0.1.

Speaks: ``POST /token`` (``urn:ietf:params:oauth:grant-type:jwt-bearer`` with a signed assertion,
checked against the service account's public key, optional ``sub``; ``refresh_token``);
``GET /drive/v3/about``; ``GET /drive/v3/files`` with ``q``, ``fields``, ``pageSize``,
``pageToken``/``nextPageToken``; ``GET /drive/v3/files/{id}`` (metadata limited to ``fields``, or
``alt=media``); ``GET /drive/v3/files/{id}/export?mimeType=``; the export links of
``exportLinks``. Errors in Google's shapes: 401 ``authError``, 404 ``notFound``, 403
``userRateLimitExceeded``/``exportSizeLimitExceeded``/``fileNotDownloadable``, 429
``rateLimitExceeded``; OAuth errors ``invalid_grant``, ``invalid_client``, ``unauthorized_client``.
"""

from __future__ import annotations

import functools
import io
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import docx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as google_exceptions
from google.auth import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.extraction.builders import pdf_with_lines
from tests.support.asgi_thread import ThreadedAsgiServer

SERVICE_ACCOUNT_EMAIL = "kbsmith-reader@acme-docs.iam.gserviceaccount.com"
DELEGATED_USER = "docs-admin@acme.example"
CLIENT_ID = "1234567890-abcdef.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fake-client-secret"
REFRESH_TOKEN = "1//0gFakeRefreshToken-xyz"
OAUTH_USER = "ada@acme.example"
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive.readonly"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_PAGE_SIZE = 4
"""Small on purpose (Drive's is 1000) so that the listing needs several pages."""
EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

GOOGLE_DOC = "application/vnd.google-apps.document"
FOLDER = "application/vnd.google-apps.folder"
SHEET = "application/vnd.google-apps.spreadsheet"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"

UNICODE_TITLE = "Guía de envíos — 配送ガイド"


@functools.cache
def private_key_pem(name: str) -> str:
    """A throwaway RSA key per name (generated once per test session)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@functools.cache
def public_key_pem(name: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem(name).encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def google_doc_html(blocks: list[tuple[str, str]]) -> bytes:
    """A document as Docs exports it: a style sheet, classes on everything, text in spans."""
    rendered = []
    for kind, text in blocks:
        span = f'<span class="c2">{text}</span>'
        if kind == "title":
            rendered.append(f'<p class="c4 title" id="h.t1">{span}</p>')
        elif kind in ("h1", "h2"):
            rendered.append(f'<{kind} class="c6" id="h.{abs(hash(text)) % 10**6}">{span}</{kind}>')
        elif kind == "li":
            rendered.append(
                f'<ul class="c7 lst-kix_a1-0 start"><li class="c1 li-bullet-0">{span}</li></ul>'
            )
        else:
            rendered.append(f'<p class="c1">{span}</p>')
    return (
        '<html><head><meta content="text/html; charset=UTF-8" http-equiv="content-type">'
        '<style type="text/css">.c1{margin-left:0;padding-top:0}.c2{font-family:"Arial"}'
        ".title{font-size:26pt}</style></head>"
        f'<body class="c5 doc-content">{"".join(rendered)}</body></html>'
    ).encode()


def docx_checklist() -> bytes:
    document = docx.Document()
    document.add_heading("Onboarding checklist", level=1)
    document.add_paragraph("New support agents work through this list in their first week.")
    document.add_paragraph("Read the refund policy and the shipping guide", style="List Bullet")
    document.add_paragraph("Shadow two senior agents for a full shift each", style="List Bullet")
    document.add_heading("Tools", level=2)
    document.add_paragraph("Ask IT for access to the ticketing system before your first day.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


REFUND_BLOCKS = [
    ("title", "Refund policy"),
    ("h1", "Who can ask for a refund"),
    ("p", "Customers can ask for a refund within 30 days of delivery when the item is unused."),
    ("li", "Keep the original packaging."),
    ("li", "Attach the order number to the request."),
    ("h2", "How long it takes"),
    ("p", "Refunds reach the original payment method within five working days."),
]


@dataclass
class DriveFile:
    id: str
    name: str
    mime_type: str
    content: bytes = b""
    parents: list[str] = field(default_factory=list)
    trashed: bool = False
    version: int = 1
    modified: datetime = EPOCH
    export_too_large: bool = False
    export_links: bool = True

    def metadata(self, base_url: str) -> dict[str, Any]:
        is_doc = self.mime_type == GOOGLE_DOC
        meta: dict[str, Any] = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": self.parents,
            "trashed": self.trashed,
            "version": str(self.version),
            "modifiedTime": self.modified.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "webViewLink": f"https://docs.google.com/document/d/{self.id}/edit?usp=drivesdk"
            if is_doc
            else f"https://drive.google.com/file/d/{self.id}/view?usp=drivesdk",
            "iconLink": f"https://drive-thirdparty.googleusercontent.com/16/type/{self.mime_type}",
        }
        if is_doc and self.export_links:
            link = f"{base_url}/feeds/download/documents/export/Export?id={self.id}"
            meta["exportLinks"] = {
                "text/html": f"{link}&exportFormat=html",
                "text/plain": f"{link}&exportFormat=txt",
                "application/pdf": f"{link}&exportFormat=pdf",
            }
        if not is_doc and self.mime_type not in (FOLDER, SHEET):
            meta["size"] = str(len(self.content))
        return meta


def _error(status: int, reason: str, message: str, domain: str = "global") -> JSONResponse:
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
    }
    if status == 401:
        error["status"] = "UNAUTHENTICATED"
        error["errors"][0].update({"location": "Authorization", "locationType": "header"})
    if status == 429:
        error["status"] = "RESOURCE_EXHAUSTED"
    return JSONResponse({"error": error}, status)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status)


def _select(fields: str, value: dict[str, Any]) -> dict[str, Any]:
    """Drive's partial responses: ``fields=id,name`` or ``nextPageToken,files(id,name)``."""
    if not fields or fields == "*":
        return value
    selected: dict[str, Any] = {}
    for part in _top_level(fields):
        name, _, inner = part.partition("(")
        name = name.strip()
        if name not in value:
            continue
        if inner and isinstance(value[name], list):
            selected[name] = [_select(inner.rstrip(")"), item) for item in value[name]]
        elif inner and isinstance(value[name], dict):
            selected[name] = _select(inner.rstrip(")"), value[name])
        else:
            selected[name] = value[name]
    return selected


def _top_level(fields: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in fields:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


class FakeDrive:
    """The fake's files, accounts and test controls (edit, trash, delete, revoke, storm)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.files: dict[str, DriveFile] = {}
        self.tokens: dict[str, str] = {}
        """Issued access token → the user it acts for."""
        self.revoked = False
        self.storm_left = 0
        self.quota_403s_served = 0
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

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def service_account_json(self, key_name: str = "service-account") -> dict[str, str]:
        """A key file as the Cloud console hands it out; ``token_uri`` is Google's own."""
        return {
            "type": "service_account",
            "project_id": "acme-docs",
            "private_key_id": "4f1d3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c",
            "private_key": private_key_pem(key_name),
            "client_email": SERVICE_ACCOUNT_EMAIL,
            "client_id": "109876543210987654321",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/kbsmith-reader",
            "universe_domain": "googleapis.com",
        }

    def credentials(self, **overrides: Any) -> dict[str, Any]:
        return {
            "serviceAccountJson": json.dumps(self.service_account_json()),
            "baseUrl": self.url,
            "tokenUrl": self.token_url,
            **overrides,
        }

    def oauth_credentials(self, **overrides: Any) -> dict[str, Any]:
        return {
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "refreshToken": REFRESH_TOKEN,
            "baseUrl": self.url,
            "tokenUrl": self.token_url,
            **overrides,
        }

    # -- test controls -----------------------------------------------------------------
    def edit(self, file_id: str, content: bytes) -> None:
        with self._lock:
            file = self.files[file_id]
            file.content = content
            file.version += 1
            file.modified += timedelta(hours=1)

    def trash(self, file_id: str) -> None:
        with self._lock:
            self.files[file_id].trashed = True

    def delete(self, file_id: str) -> None:
        with self._lock:
            del self.files[file_id]

    def revoke(self) -> None:
        """The refresh token and the key stop working, and so do tokens already issued."""
        self.revoked = True

    def storm(self, count: int) -> None:
        """The next ``count`` Drive requests are refused: 429 and 403 quota errors in turn."""
        self.storm_left = count

    def file_id(self, name: str) -> str:
        return next(f.id for f in self.files.values() if f.name == name)

    # -- content -----------------------------------------------------------------------
    def _seed(self) -> None:
        seeds = [
            DriveFile("0AFolderSupport01", "Support", FOLDER),
            DriveFile("0AFolderFaq000002", "FAQ", FOLDER, parents=["0AFolderSupport01"]),
            DriveFile(
                "1RefundPolicyDoc01",
                "Refund policy",
                GOOGLE_DOC,
                google_doc_html(REFUND_BLOCKS),
                ["0AFolderSupport01"],
            ),
            DriveFile(
                "1ShippingGuideDoc2",
                UNICODE_TITLE,
                GOOGLE_DOC,
                google_doc_html(
                    [
                        ("h1", "Envíos internacionales"),
                        ("p", "Los pedidos internacionales llegan en 5 a 10 días laborables."),
                        ("p", "海外への配送には5〜10営業日かかります。"),
                    ]
                ),
                ["0AFolderSupport01"],
            ),
            DriveFile("1UntitledEmptyDoc3", "Untitled document", GOOGLE_DOC, google_doc_html([])),
            DriveFile(
                "1ProductManualDoc4",
                "Product manual",
                GOOGLE_DOC,
                google_doc_html(
                    [
                        ("h1", "Getting to know the device"),
                        ("p", "Hold the power button for three seconds to switch the device on."),
                    ]
                ),
                export_too_large=True,
            ),
            DriveFile(
                "1PricingPdfFile005",
                "Pricing.pdf",
                PDF,
                pdf_with_lines(
                    [
                        [
                            "Pricing",
                            "The Team plan costs 12 euros per seat and month.",
                            "Annual billing saves two months.",
                        ]
                    ]
                ),
            ),
            DriveFile("1OnboardingDocx06", "Onboarding checklist.docx", DOCX, docx_checklist()),
            DriveFile(
                "1ReleaseNotesTxt7",
                "Release notes.txt",
                TEXT,
                b"Release 4.2\n\nExports now include attachments. Search is twice as fast.\n",
            ),
            DriveFile("1BudgetSheet00008", "Budget 2026", SHEET),
            DriveFile(
                "1OldPricingDoc009",
                "Old pricing",
                GOOGLE_DOC,
                google_doc_html([("p", "Prices from 2019.")]),
                trashed=True,
            ),
        ]
        for number in range(1, 9):
            seeds.append(
                DriveFile(
                    f"1FaqEntryDoc0{number}0",
                    f"FAQ {number}",
                    GOOGLE_DOC,
                    google_doc_html([("p", f"Answer {number}: contact support by chat or email.")]),
                    ["0AFolderFaq000002"],
                )
            )
        self.files = {f.id: f for f in seeds}

    # -- HTTP --------------------------------------------------------------------------
    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/token", self._token, methods=["POST"]),
                Route("/drive/v3/about", self._about),
                Route("/drive/v3/files", self._list),
                Route("/drive/v3/files/{file_id}", self._file),
                Route("/drive/v3/files/{file_id}/export", self._export),
                Route("/feeds/download/documents/export/Export", self._export_link),
            ]
        )

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        grant = form.get("grant_type")
        if grant == JWT_GRANT:
            return self._jwt_grant(str(form.get("assertion", "")))
        if grant == "refresh_token":
            return self._refresh_grant(form)
        return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + str(grant))

    def _jwt_grant(self, assertion: str) -> Response:
        if self.revoked:
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            claims = jwt.decode(
                assertion, certs=public_key_pem("service-account"), audience=self.token_url
            )  # type: ignore[no-untyped-call]
        except (ValueError, google_exceptions.GoogleAuthError):
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        if claims.get("iss") != SERVICE_ACCOUNT_EMAIL or DRIVE_SCOPE not in str(
            claims.get("scope")
        ):
            return _oauth_error(
                400, "invalid_scope", "Invalid OAuth scope or ID token audience provided."
            )
        subject = claims.get("sub")
        if subject is not None and subject != DELEGATED_USER:
            return _oauth_error(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client"
                " not authorized for any of the scopes requested.",
            )
        return self._issue(str(subject or SERVICE_ACCOUNT_EMAIL))

    def _refresh_grant(self, form: Any) -> Response:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if self.revoked or form.get("refresh_token") != REFRESH_TOKEN:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        return self._issue(OAUTH_USER)

    def _issue(self, user: str) -> Response:
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        self.tokens[token] = user
        return JSONResponse(
            {
                "access_token": token,
                "expires_in": 3599,
                "scope": DRIVE_SCOPE,
                "token_type": "Bearer",
            }
        )

    def _gate(self, request: Request) -> tuple[str | None, Response | None]:
        """The caller's user, or Drive's refusal: bad token, or a quota storm."""
        self.requests.append(request.url.path)
        header = request.headers.get("authorization", "")
        user = (
            self.tokens.get(header.removeprefix("Bearer "))
            if header.startswith("Bearer ")
            else None
        )
        if user is None or self.revoked:
            return None, _error(401, "authError", "Invalid Credentials")
        if self.storm_left > 0:
            self.storm_left -= 1
            if self.storm_left % 2 == 0:
                response = _error(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits")
                response.headers["Retry-After"] = "1"
                return user, response
            self.quota_403s_served += 1
            return user, _error(
                403,
                "userRateLimitExceeded",
                "User Rate Limit Exceeded. Rate of requests for user exceed configured project"
                " quota.",
                "usageLimits",
            )
        return user, None

    async def _about(self, request: Request) -> Response:
        user, refused = self._gate(request)
        if refused is not None:
            return refused
        fields = request.query_params.get("fields", "")
        if not fields:
            return _error(400, "required", "The 'fields' parameter is required for this method.")
        about = {
            "kind": "drive#about",
            "user": {
                "kind": "drive#user",
                "displayName": str(user).split("@")[0],
                "emailAddress": user,
            },
        }
        return JSONResponse(_select(fields, about))

    async def _list(self, request: Request) -> Response:
        _, refused = self._gate(request)
        if refused is not None:
            return refused
        query = request.query_params.get("q", "")
        wanted = set(re.findall(r"mimeType\s*=\s*'([^']+)'", query))
        not_trashed = re.search(r"trashed\s*=\s*false", query) is not None
        with self._lock:
            matching = [
                f.metadata(self.url)
                for f in sorted(self.files.values(), key=lambda f: f.id)
                if (not wanted or f.mime_type in wanted) and not (not_trashed and f.trashed)
            ]
        size = min(int(request.query_params.get("pageSize", "100")), MAX_PAGE_SIZE)
        start = int(request.query_params.get("pageToken") or 0)
        page: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": matching[start : start + size],
        }
        if start + size < len(matching):
            page["nextPageToken"] = str(start + size)
        return JSONResponse(_select(request.query_params.get("fields", ""), page))

    def _find(self, file_id: str) -> DriveFile | None:
        with self._lock:
            return self.files.get(file_id)

    async def _file(self, request: Request) -> Response:
        _, refused = self._gate(request)
        if refused is not None:
            return refused
        file = self._find(request.path_params["file_id"])
        if file is None:
            return _not_found(request.path_params["file_id"])
        if request.query_params.get("alt") == "media":
            if file.mime_type.startswith("application/vnd.google-apps."):
                return _error(
                    403,
                    "fileNotDownloadable",
                    "Only files with binary content can be downloaded. Use Export with Docs"
                    " Editors files.",
                )
            return Response(file.content, media_type=file.mime_type)
        fields = request.query_params.get("fields", "id,name,mimeType,kind")
        return JSONResponse(_select(fields, file.metadata(self.url)))

    async def _export(self, request: Request) -> Response:
        _, refused = self._gate(request)
        if refused is not None:
            return refused
        file = self._find(request.path_params["file_id"])
        if file is None:
            return _not_found(request.path_params["file_id"])
        if file.mime_type != GOOGLE_DOC or request.query_params.get("mimeType") != "text/html":
            return _error(400, "badRequest", "The requested conversion is not supported.")
        if file.export_too_large:
            return _error(403, "exportSizeLimitExceeded", "This file is too large to be exported.")
        return Response(file.content, media_type="text/html")

    async def _export_link(self, request: Request) -> Response:
        _, refused = self._gate(request)
        if refused is not None:
            return refused
        file = self._find(request.query_params.get("id", ""))
        if file is None or file.mime_type != GOOGLE_DOC:
            return Response("Not Found", 404, media_type="text/html")
        return Response(file.content, media_type="text/html; charset=utf-8")


def _not_found(file_id: str) -> Response:
    message = f"File not found: {file_id}."
    detail = {"message": message, "domain": "global", "reason": "notFound"}
    detail.update({"location": "fileId", "locationType": "parameter"})
    return JSONResponse({"error": {"code": 404, "message": message, "errors": [detail]}}, 404)
