"""Hostile uploaded documents fail their ingestion job at once (no retry), naming the limit."""

from __future__ import annotations

import uuid

import httpx
import pytest

from kbsmith.db.database import Database
from kbsmith.jobs.models import Job
from kbsmith.jobs.worker import Worker
from kbsmith.settings import Settings
from tests.conftest import Keys
from tests.extraction.bombs import docx_with_huge_xml, pdf_with_heavy_streams
from tests.sources.conftest import settled
from tests.sources.test_uploads import uploaded_ids


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"upload_max_bytes": 1024 * 1024, "extract_cpu_seconds": 1.0})


@pytest.mark.parametrize(
    ("name", "body", "limit"),
    [
        ("bomb.docx", docx_with_huge_xml(40_000_000), "docx_xml_bytes"),
        ("heavy.pdf", pdf_with_heavy_streams(6, 1_000_000), "cpu_seconds"),
    ],
)
async def test_a_document_over_a_limit_fails_once_naming_it(
    client: httpx.AsyncClient,
    keys: Keys,
    db: Database,
    workers: Worker,
    name: str,
    body: bytes,
    limit: str,
) -> None:
    headers = await keys.headers()
    (document_id,) = await uploaded_ids(client, headers, (name, body))
    document = await settled(client, headers, document_id, timeout=90)
    assert document["linkedJobStatus"] == "FAILED" and document["success"] is False
    assert document["error"].startswith(f"{name}: "), document["error"]
    assert f"extraction limit {limit} " in document["error"]
    async with db.read() as session:
        job = await session.get(Job, uuid.UUID(document["linkedJobId"]))
        assert job is not None and job.attempts == 1
