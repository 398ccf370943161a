"""Uploaded files through the API: POST /v2/documents/public/files → `files` sources."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from kbsmith.db.database import Database
from kbsmith.extraction import mime
from kbsmith.jobs.worker import Worker
from kbsmith.settings import Settings
from kbsmith.sources.models import Source
from kbsmith.workspaces.service import Scope
from tests.conftest import Keys
from tests.extraction.builders import docx_guide, pdf_with_lines
from tests.sources.conftest import settled
from tests.sources.test_ingestion import ARTICLE, ingest, job_count
from tests.sources.test_listing import generate_article_by_hand

UPLOAD = "/v2/documents/public/files"
UPLOAD_LIMIT = 256 * 1024
"""Four times the suite's KBSMITH_MAX_BODY_BYTES: an upload of up to it must still pass."""

MARKDOWN = b"""# Billing FAQ

Invoices are sent on the first day of every month to the billing address of the account.

## Refunds

Refunds go back to the card that paid, within ten working days of the request.
"""
TEXT = b"""Our office is open from nine to five on working days.

Parcels left at the front desk are kept for two weeks before they go back to the sender.
"""

FileParts = list[tuple[str, tuple[str, bytes, str]]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"upload_max_bytes": UPLOAD_LIMIT})


def parts(*files: tuple[str, bytes]) -> FileParts:
    """Every part claims to be plain text: the type must come from the bytes."""
    return [("file", (name, body, "text/plain")) for name, body in files]


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    files: FileParts,
    **fields: str,
) -> httpx.Response:
    return await client.post(UPLOAD, headers=headers, files=files, data=fields)


async def uploaded_ids(
    client: httpx.AsyncClient, headers: dict[str, str], *files: tuple[str, bytes], **fields: str
) -> list[str]:
    answer = await upload(client, headers, parts(*files), **fields)
    assert answer.status_code == 200, answer.text
    assert answer.json()["updatedDocumentIds"] == []
    ids: list[str] = answer.json()["addedDocumentIds"]
    assert len(ids) == len(files)
    return ids


async def source_count(db: Database) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(Source))).scalar_one())


async def test_pdf_docx_markdown_and_text_files_become_paragraphs(
    client: httpx.AsyncClient, keys: Keys, workers: Worker
) -> None:
    headers = await keys.headers()
    pdf = pdf_with_lines(
        [["Travel expenses are refunded within thirty days of the trip."]], title="Travel policy"
    )
    files = [
        ("policy.txt", pdf),  # a misleading name: the bytes decide
        ("guide.docx", docx_guide()),
        ("billing.md", MARKDOWN),
        ("office notes.txt", TEXT),
    ]
    ids = await uploaded_ids(client, headers, *files, english="false", baser="true")
    documents = [await settled(client, headers, document_id) for document_id in ids]

    for document in documents:
        assert document["linkedJobStatus"] == "COMPLETED", document["error"]
        assert (document["source"], document["success"], document["error"]) == ("files", True, "")
        assert (document["english"], document["baser"]) == (False, True)
    expected = [
        ("Travel policy", mime.PDF, "thirty days of the trip"),
        ("Setup guide", mime.DOCX, "Download the package"),
        ("Billing FAQ", mime.MARKDOWN, "within ten working days"),
        ("office notes.txt", mime.PLAIN, "kept for two weeks"),
    ]
    for document, (title, mime_type, phrase) in zip(documents, expected, strict=True):
        assert (document["title"], document["mimeType"]) == (title, mime_type)
        assert any(phrase in paragraph for paragraph in document["paragraphs"]), document
    assert documents[2]["paragraphs"][0].startswith("# Billing FAQ\n")

    for document, (_, body) in zip(documents, files, strict=True):
        raw = await client.get(document["storageUrl"], headers=headers)
        assert raw.status_code == 200 and raw.content == body
        assert raw.headers["content-type"].startswith(document["mimeType"])


async def test_an_upload_as_large_as_the_upload_limit_is_taken(
    client: httpx.AsyncClient, keys: Keys, settings: Settings
) -> None:
    assert settings.max_body_bytes < UPLOAD_LIMIT
    headers = await keys.headers()
    large = (TEXT * (UPLOAD_LIMIT // len(TEXT) + 1))[:UPLOAD_LIMIT]
    (document_id,) = await uploaded_ids(client, headers, ("large.txt", large))
    document = (await client.get(f"/v2/documents/public/{document_id}", headers=headers)).json()
    assert document["linkedJobStatus"] == "PENDING"  # kept and queued, not yet read
    assert (await client.get(document["storageUrl"], headers=headers)).content == large


async def test_a_documentid_upload_replaces_the_content(
    client: httpx.AsyncClient, keys: Keys, workers: Worker, db: Database
) -> None:
    headers = await keys.headers("acme")
    (document_id,) = await uploaded_ids(client, headers, ("notes.txt", TEXT))
    first = await settled(client, headers, document_id)
    await generate_article_by_hand(db, "acme", uuid.UUID(document_id))

    async def replace(name: str, body: bytes) -> dict[str, Any]:
        answer = await upload(client, headers, parts((name, body)), documentId=document_id)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"addedDocumentIds": [], "updatedDocumentIds": [document_id]}
        return await settled(client, headers, document_id)

    same = await replace("notes-again.txt", TEXT)
    assert same["linkedJobId"] != first["linkedJobId"] and same["linkedJobStatus"] == "COMPLETED"
    assert (same["paragraphs"], same["oldParagraphs"]) == (first["paragraphs"], [])
    assert same["changed"] is False

    new_text = TEXT.replace(b"two weeks", b"one month")
    changed = await replace("notes.txt", new_text)
    assert changed["linkedJobStatus"] == "COMPLETED"
    assert any("one month" in p for p in changed["paragraphs"])
    assert changed["oldParagraphs"] == first["paragraphs"]
    assert changed["changed"] is True
    raw = await client.get(changed["storageUrl"], headers=headers)
    assert raw.content == new_text
    assert await source_count(db) == 1


async def test_unsupported_and_undecodable_files_fail_naming_the_file(
    client: httpx.AsyncClient, keys: Keys, workers: Worker
) -> None:
    headers = await keys.headers()
    files = [
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 60),
        ("broken.pdf", b"%PDF-1.4\nthis is no PDF at all"),
        ("image.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("empty.txt", b""),
    ]
    ids = await uploaded_ids(client, headers, *files)
    for document_id, (name, _) in zip(ids, files, strict=True):
        document = await settled(client, headers, document_id)
        assert document["linkedJobStatus"] == "FAILED" and document["success"] is False
        assert document["error"].startswith(f"{name}: "), document["error"]
        assert document["title"] == name and document["paragraphs"] == []


async def test_a_request_without_files_is_refused(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    headers = await keys.headers()
    only_fields = await client.post(UPLOAD, headers=headers, files=[("english", (None, b"true"))])
    no_body = await client.post(UPLOAD, headers=headers)
    for response in (only_fields, no_body):
        assert response.status_code == 400, response.text
        assert response.json()["message"].startswith("file")
    as_json = await client.post(UPLOAD, headers=headers, json={"file": "x"})
    assert as_json.status_code == 415
    text_part = await client.post(UPLOAD, headers=headers, files=[("file", (None, b"hello"))])
    assert text_part.status_code == 400
    assert text_part.json()["message"] == "file: each part must be a file, sent with a filename"
    assert await job_count(db) == 0


async def test_an_oversized_file_is_refused_and_nothing_is_queued(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    headers = await keys.headers()
    too_large = b"x" * (UPLOAD_LIMIT + 1)
    refused = await upload(client, headers, parts(("fine.txt", TEXT), ("huge.txt", too_large)))
    assert refused.status_code == 413, refused.text
    assert "huge.txt" in refused.json()["message"]

    far_too_large = b"x" * (4 * 1024 * 1024)
    beyond_body_limit = await upload(client, headers, parts(("enormous.txt", far_too_large)))
    assert beyond_body_limit.status_code == 413
    message = beyond_body_limit.json()["message"]
    assert "request body is larger" in message and "KBSMITH_UPLOAD_MAX_BYTES" in message
    assert (await job_count(db), await source_count(db)) == (0, 0)


async def test_documentid_must_name_one_files_document_of_the_workspace(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    mine = await keys.headers("mine")
    theirs = await keys.headers("theirs")
    (own_id,) = await uploaded_ids(client, mine, ("own.txt", TEXT))
    (foreign_id,) = await uploaded_ids(client, theirs, ("foreign.txt", TEXT))
    (web_id,) = (await ingest(client, mine, "https://help.example/page")).json()["addedDocumentIds"]
    before = (await job_count(db), await source_count(db))

    refusals = [
        (parts(("x.txt", TEXT)), foreign_id),  # another workspace's: unknown
        (parts(("x.txt", TEXT)), str(uuid.uuid4())),
        (parts(("x.txt", TEXT)), web_id),
        (parts(("x.txt", TEXT), ("y.txt", TEXT)), own_id),
        (parts(("x.txt", TEXT)), "not-a-uuid"),
    ]
    for files, document_id in refusals:
        response = await upload(client, mine, files, documentId=document_id)
        assert response.status_code == 400, response.text
        assert "documentId" in response.json()["message"]
    assert (await job_count(db), await source_count(db)) == before
    foreign = await client.get(f"/v2/documents/public/{foreign_id}", headers=theirs)
    assert foreign.json()["title"] == "foreign.txt"


async def test_uploading_needs_the_write_scope(client: httpx.AsyncClient, keys: Keys) -> None:
    reader = await keys.headers(None, Scope.READ)
    read_only = await upload(client, reader, parts(("a.txt", TEXT)))
    assert read_only.status_code == 403
    anonymous = await upload(client, {}, parts(("a.txt", TEXT)))
    assert anonymous.status_code == 401


async def test_files_documents_cannot_be_refreshed(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    headers = await keys.headers()
    (document_id,) = await uploaded_ids(client, headers, ("a.txt", TEXT))
    jobs = await job_count(db)
    refreshed = await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
    )
    assert refreshed.status_code == 400 and "files" in refreshed.json()["message"]
    assert await job_count(db) == jobs


async def test_files_cannot_be_ingested_by_reference_and_the_400_names_source(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    jobs = await job_count(db)
    answer = await client.post(
        "/v2/documents/public",
        headers=await keys.headers(),
        json={"source": "files", "documentIdsToAdd": ["a.txt"]},
    )
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("source 'files'"), answer.text
    assert await job_count(db) == jobs


async def test_the_route_is_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    operation = schema["paths"][UPLOAD]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "400", "401", "403", "413", "415", "500"} <= set(operation["responses"])


async def test_html_files_are_read_as_pages(
    client: httpx.AsyncClient, keys: Keys, workers: Worker
) -> None:
    headers = await keys.headers()
    (document_id,) = await uploaded_ids(client, headers, ("reset.md", ARTICLE))
    document = await settled(client, headers, document_id)
    assert (document["mimeType"], document["title"]) == (mime.HTML, "Reset your password")
    assert not any("Copyright Example" in p for p in document["paragraphs"])
