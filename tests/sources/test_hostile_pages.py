"""Hostile and unusual pages: each ends with the right status and a clear error, memory bounded."""

from __future__ import annotations

import resource

import httpx
import pytest

from kbsmith.jobs.worker import Worker
from kbsmith.settings import Settings
from tests.conftest import Keys
from tests.sources.conftest import settled
from tests.sources.documents import docx_with, pdf_with_text
from tests.sources.test_ingestion import ARTICLE, ingest
from tests.support.hostile_server import HostileServer, Page

JS_SHELL = b"""<!doctype html><html><head><title>App</title><script src="/app.js"></script></head>
<body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript>
</body></html>"""

LOGIN_WALL = b"""<!doctype html><html><head><title>Sign in</title></head><body><main>
<h1>Sign in to continue</h1><form action="/login" method="post">
<label>Email <input type="email" name="email"></label>
<label>Password <input type="password" name="password"></label>
<button type="submit">Log in</button></form><a href="/forgot">Forgot your password?</a>
</main></body></html>"""

LATIN1_PAGE = (
    "<html><head><title>Caf\u00e9 opening hours</title></head><body><article><h1>Caf\u00e9 opening"
    " hours</h1><p>Our caf\u00e9 in M\u00fcnchen opens at nine o'clock every weekday and"
    " serves cr\u00e8me br\u00fbl\u00e9e until closing time."
    " On public holidays we open at ten.</p><p>Groups of more"
    " than eight people should reserve a table one day ahead by phone.</p></article></body></html>"
).encode("cp1252")


def failure_cases(site: HostileServer) -> dict[str, tuple[str, str]]:
    """name → (URL, a fragment the error must contain)."""
    return {
        "gzip bomb": (site.url("/gzip-bomb"), "larger than"),
        "endless body": (site.url("/endless"), "larger than"),
        "slow drip": (site.url("/drip?interval=0.5"), "no complete response within"),
        "redirect loop": (site.url("/loop-a"), "redirect loop"),
        "redirect to 10.0.0.1": (site.url("/to-private"), "blocked address 10.0.0.1"),
        "redirect to metadata": (site.url("/to-metadata"), "blocked address 169.254.169.254"),
        "404": (site.url("/status/404"), "HTTP 404"),
        "500": (site.url("/status/500"), "HTTP 500"),
        "429": (site.url("/too-many"), "HTTP 429"),
        "zero bytes": (site.url("/empty"), "empty"),
        "robots disallow": (site.url("/private/secret"), "robots.txt"),
        "js shell": (site.url("/pages/js-shell"), "JavaScript"),
        "login wall": (site.url("/pages/login"), "login"),
        "unsupported type": (site.url("/pages/image.png"), "unsupported content type image/png"),
    }


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A short deadline, so that the slow drip fails soon (each of its attempts waits it out)."""
    return settings.model_copy(update={"fetch_total_timeout": 3.0})


@pytest.fixture
def hostile_pages(site: HostileServer) -> HostileServer:
    site.pages["/pages/js-shell"] = Page(JS_SHELL)
    site.pages["/pages/login"] = Page(LOGIN_WALL)
    site.pages["/pages/image.png"] = Page(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
    site.pages["/pages/latin1"] = Page(LATIN1_PAGE, "text/html; charset=utf-8")
    site.pages["/pages/manual.pdf"] = Page(
        pdf_with_text(
            ["Exporting reports", "Open Reports and choose Export to download a CSV file."]
        ),
        "application/pdf",
    )
    site.pages["/pages/guide.docx"] = Page(
        docx_with(
            "Inviting teammates",
            "Admins can invite teammates from the Members page.",
            ["Open Settings", "Choose Members", "Click Invite"],
        ),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    return site


async def test_every_hostile_page_fails_safely_with_a_clear_error(
    client: httpx.AsyncClient, keys: Keys, hostile_pages: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    cases = failure_cases(hostile_pages)
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    answer = await ingest(client, headers, *(url for url, _ in cases.values()))
    ids = dict(zip(cases, answer.json()["addedDocumentIds"], strict=True))
    for name, (_, fragment) in cases.items():
        document = await settled(client, headers, ids[name], timeout=60)
        assert document["linkedJobStatus"] == "FAILED", (name, document)
        assert document["success"] is False and document["paragraphs"] == [], name
        assert fragment.lower() in str(document["error"]).lower(), (name, document["error"])
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before
    assert grown_kib < 256 * 1024, f"memory grew by {grown_kib} KiB"


async def test_documents_and_lying_charsets_are_extracted(
    client: httpx.AsyncClient, keys: Keys, hostile_pages: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    urls = {
        name: hostile_pages.url(f"/pages/{name}") for name in ("latin1", "manual.pdf", "guide.docx")
    }
    answer = await ingest(client, headers, *urls.values())
    ids = dict(zip(urls, answer.json()["addedDocumentIds"], strict=True))

    latin1 = await settled(client, headers, ids["latin1"])
    assert latin1["linkedJobStatus"] == "COMPLETED", latin1["error"]
    assert "M\u00fcnchen" in " ".join(latin1["paragraphs"])
    assert "cr\u00e8me br\u00fbl\u00e9e" in " ".join(latin1["paragraphs"])

    pdf = await settled(client, headers, ids["manual.pdf"])
    assert pdf["linkedJobStatus"] == "COMPLETED", pdf["error"]
    assert pdf["mimeType"] == "application/pdf"
    assert "choose Export" in " ".join(pdf["paragraphs"])

    docx = await settled(client, headers, ids["guide.docx"])
    assert docx["linkedJobStatus"] == "COMPLETED", docx["error"]
    text = "\n".join(docx["paragraphs"])
    assert "Inviting teammates" in text and "Click Invite" in text


async def test_a_page_that_turns_into_a_login_wall_keeps_its_paragraphs(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    site.pages["/help/soon-walled"] = Page(ARTICLE)
    headers = await keys.headers()
    (document_id,) = (await ingest(client, headers, site.url("/help/soon-walled"))).json()[
        "addedDocumentIds"
    ]
    good = await settled(client, headers, document_id)
    site.pages["/help/soon-walled"] = Page(LOGIN_WALL)
    await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
    )
    walled = await settled(client, headers, document_id)
    assert walled["linkedJobStatus"] == "FAILED" and "login" in str(walled["error"]).lower()
    assert walled["paragraphs"] == good["paragraphs"]
