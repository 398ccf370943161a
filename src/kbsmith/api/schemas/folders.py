"""Folders on the wire: the tree, its snapshot, deletions."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, Field

from kbsmith.api.schemas import (
    ApiTime,
    WireId,
    WireModel,
    WireRequest,
)
from kbsmith.api.schemas.articles import ArticleSummary, nonempty_text, stripped
from kbsmith.knowledge.content import (
    FOLDER_DESCRIPTION_MAX_CHARS,
    FOLDER_TITLE_MAX_CHARS,
)

FolderTitle = Annotated[str, nonempty_text(FOLDER_TITLE_MAX_CHARS), AfterValidator(stripped)]


FolderDescription = Annotated[str, Field(max_length=FOLDER_DESCRIPTION_MAX_CHARS)]


class FolderCreate(WireRequest):
    title: FolderTitle
    description: FolderDescription = ""
    parent_folder_id: WireId | None = None
    active: bool = True


class FolderUpdate(WireRequest):
    """Only the fields given change."""

    title: FolderTitle | None = None
    description: FolderDescription | None = None
    active: bool | None = None


class FolderMoveIn(WireRequest):
    parent_folder_id: WireId | None = Field(description="null moves the folder to the top")


class Folder(WireModel):
    id: uuid.UUID
    title: str
    description: str
    active: bool
    parent_folder_id: uuid.UUID | None
    created_at: ApiTime
    updated_at: ApiTime


class FolderSummary(WireModel):
    id: uuid.UUID
    title: str
    parent_folder_id: uuid.UUID | None


class FolderDeletion(WireModel):
    deleted_folders: list[FolderSummary]
    deleted_articles: list[ArticleSummary]


class SnapshotArticle(WireModel):
    id: uuid.UUID
    title: str
    is_draft: bool
    active: bool


class SnapshotFolder(WireModel):
    id: uuid.UUID
    title: str
    description: str
    active: bool
    parent_folder_id: uuid.UUID | None
    articles: list[SnapshotArticle]
    children: list[SnapshotFolder]


class FolderSnapshot(WireModel):
    id: uuid.UUID
    created_at: ApiTime
    updated_at: ApiTime
    snapshot_obj_v2: list[SnapshotFolder]
