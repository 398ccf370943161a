"""Documents (sources) on the wire: records, ingestion, refresh, deletion, crawling, and
provider discovery (rendered here, once, from the connectors' typed resources)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, Strict, WithJsonSchema

from kbsmith.api.schemas import (
    MAX_IDS,
    ApiTime,
    IdList,
    WireModel,
    WireRequest,
)
from kbsmith.connectors.base import DiscoveredNode
from kbsmith.providers import Provider
from kbsmith.sources import blobs, crawl, service

Json = dict[str, Any]


def discovery(nodes: Sequence[DiscoveredNode]) -> list[Json]:
    """The contract's discovery answer: a flat list of documents with their icons (Notion,
    Google Drive), or containers holding documents (Confluence spaces; Zendesk categories and
    sections)."""
    icons = all(node.children is None for node in nodes)
    return [_node(node, icons) for node in nodes]


def _node(node: DiscoveredNode, icons: bool) -> Json:
    resource = node.resource
    shown: Json = {
        "externalId": resource.external_id,
        "title": resource.title,
        "originalUrl": resource.original_url,
        "object": resource.object_type,
    }
    if node.children is not None:
        shown["children"] = [_node(child, icons) for child in node.children]
        return shown
    shown["mimeType"] = resource.mime_type
    if icons:
        shown["iconLink"] = resource.icon_link or None
    return shown


ValueList = Annotated[list[str], Field(max_length=MAX_IDS)]


class Document(WireModel):
    id: uuid.UUID
    source: str
    original_url: str
    title: str
    external_id: str
    mime_type: str
    type: str
    storage_url: str
    english: bool
    baser: bool
    paragraphs: list[str]
    old_paragraphs: list[str]
    success: bool
    error: str
    linked_job_id: uuid.UUID | None
    linked_job_status: str | None
    linked_knowledge_id: uuid.UUID | None
    linked_operation: str | None
    linked_reason: str | None
    changed: bool
    created_at: ApiTime
    updated_at: ApiTime

    @classmethod
    def of(cls, view: service.SourceView) -> Document:
        s = view.source
        return cls(
            id=s.id,
            source=s.provider,
            original_url=s.original_url,
            title=s.title,
            external_id=s.external_id,
            mime_type=s.mime_type,
            type=s.object_type,
            storage_url=s.storage_url or (blobs.storage_url(s.id) if s.content_hash else ""),
            english=s.english,
            baser=s.baser,
            paragraphs=s.paragraphs,
            old_paragraphs=s.old_paragraphs,
            success=bool(s.success),
            error=s.error,
            linked_job_id=s.linked_job_id,
            linked_job_status=view.job_status,
            linked_knowledge_id=s.linked_knowledge_id,
            linked_operation=s.linked_operation,
            linked_reason=s.linked_reason,
            changed=view.changed,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


class IngestBody(WireRequest):
    source: Annotated[Provider, Strict(False)] = Provider.WEB
    document_ids_to_add: ValueList = []
    document_ids_to_refresh: ValueList = []
    english: bool | None = None
    baser: bool | None = None


class IngestAnswer(WireModel):
    added_document_ids: list[uuid.UUID]
    updated_document_ids: list[uuid.UUID]


class RefreshBody(WireRequest):
    document_ids: IdList


class DeleteBody(WireRequest):
    document_ids: IdList
    delete_articles: bool = False


class DeletedDocument(WireModel):
    id: uuid.UUID
    title: str
    original_url: str


class DeletedArticle(WireModel):
    id: uuid.UUID
    title: str
    parent_folder_id: uuid.UUID | None


class DeleteAnswer(WireModel):
    deleted_documents: list[DeletedDocument]
    deleted_articles: list[DeletedArticle]


class CrawlBody(WireRequest):
    links: Annotated[list[str], Field(min_length=1, max_length=MAX_IDS)]
    limit: int = Field(default=crawl.DEFAULT_LIMIT, ge=1, le=crawl.MAX_LIMIT)


class CrawlAnswer(WireModel):
    data: list[str]
    message: str


class DocumentPage(WireModel):
    documents: list[Document]
    has_more: bool


ShownText = Annotated[
    str,
    BeforeValidator(lambda value: "" if value is None else value),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}]}),
]
"""A text discovery may show as null (``iconLink`` of a page with an emoji or no icon): what
discovery answered registers as it is."""


class ResourceIn(WireRequest):
    external_id: Annotated[str, Field(min_length=1, max_length=512)]
    title: ShownText = ""
    original_url: ShownText = ""
    mime_type: ShownText = ""
    object: ShownText = ""
    icon_link: ShownText = ""


class RegisterBody(WireRequest):
    resources: Annotated[list[ResourceIn], Field(max_length=MAX_IDS)]
