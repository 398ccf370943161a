"""/v2/documents/public/files (ext): uploaded files become `files` sources."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile

from kbsmith.api.deps import DatabaseDep, SettingsDep, WritePrincipal, require_multipart
from kbsmith.api.middleware import BodyLimit
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import storable
from kbsmith.api.schemas.documents import IngestAnswer
from kbsmith.errors import InvalidInput
from kbsmith.settings import Settings
from kbsmith.sources import uploads

router = APIRouter(tags=["documents"], dependencies=[Depends(require_multipart)])

UPLOAD_PATH = "/v2/documents/public/files"
MULTIPART_ALLOWANCE = 1024 * 1024
"""Room for the multipart framing and form fields around the file bytes."""


def upload_body_limit(settings: Settings) -> BodyLimit:
    """The request body limit of this route: one file of up to the upload limit always fits
    (KBSMITH_MAX_BODY_BYTES is for JSON bodies and usually smaller); several files together
    get the same room."""
    max_bytes = max(settings.max_body_bytes, settings.upload_max_bytes + MULTIPART_ALLOWANCE)
    return BodyLimit(
        max_bytes,
        f"an upload takes files of up to {settings.upload_max_bytes} bytes each "
        f"(KBSMITH_UPLOAD_MAX_BYTES), {max_bytes} bytes in all: send large files one by one",
    )


@router.post(
    UPLOAD_PATH,
    summary="Upload files as sources: queue an extraction for each (ext)",
    responses=error_responses(413),
)
async def upload_files(
    principal: WritePrincipal,
    db: DatabaseDep,
    settings: SettingsDep,
    file: Annotated[
        list[UploadFile] | None,
        File(description="PDF, DOCX, HTML, Markdown or plain text; repeat for several"),
    ] = None,
    english: Annotated[bool | None, Form()] = None,
    baser: Annotated[bool | None, Form()] = None,
    document_id: Annotated[
        uuid.UUID | None,
        Form(alias="documentId", description="A files document whose content the file replaces"),
    ] = None,
) -> IngestAnswer:
    given = [await _read(part, settings.upload_max_bytes) for part in file or []]
    prepared = await uploads.prepare_in_thread(given, settings.upload_max_bytes)
    options = uploads.UploadOptions(english=english, baser=baser, replace_id=document_id)
    async with db.write() as session:
        outcome = await uploads.add_files(session, principal.workspace_id, prepared, options)
    return IngestAnswer(added_document_ids=outcome.added, updated_document_ids=outcome.updated)


async def _read(part: UploadFile, max_bytes: int) -> uploads.UploadedFile:
    """At most one byte past the limit: enough to refuse an oversized file by name."""
    name = part.filename or ""
    try:
        storable(name)
    except ValueError as error:
        raise InvalidInput(f"file: the name {name!r} {error}") from None
    return uploads.UploadedFile(name, await part.read(max_bytes + 1))
