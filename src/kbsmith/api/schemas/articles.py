"""Articles on the wire: content, drafts, versions, diffs; the text rules folders share."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from kbsmith.api.schemas import (
    ApiTime,
    IdList,
    MergeConflict,
    WireId,
    WireModel,
    WireRequest,
)
from kbsmith.knowledge.content import (
    AGENT_INSTRUCTION_MAX_CHARS,
    KEYWORD_MAX_CHARS,
    LIST_MAX_ITEMS,
    MAIN_KNOWLEDGE_MAX_BYTES,
    ORIGIN_MAX_CHARS,
    QUESTION_MAX_CHARS,
    TITLE_MAX_CHARS,
    ArticleContent,
)
from kbsmith.knowledge.diff import Op as DiffOp


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _bounded_bytes(value: str) -> str:
    if len(value.encode()) > MAIN_KNOWLEDGE_MAX_BYTES:
        raise ValueError(f"must be at most {MAIN_KNOWLEDGE_MAX_BYTES} bytes")
    return value


def nonempty_text(max_chars: int) -> object:
    """Lengths as the OpenAPI document states them: of the text as given (stripping first
    let a 501-character title with a leading U+0085 through a 500-character limit)."""
    return StringConstraints(min_length=1, max_length=max_chars)


def stripped(value: str) -> str:
    """Kept without surrounding whitespace; refused when that is all there is."""
    return not_blank(value).strip()


Title = Annotated[str, nonempty_text(TITLE_MAX_CHARS), AfterValidator(stripped)]
MainKnowledge = Annotated[str, AfterValidator(not_blank), AfterValidator(_bounded_bytes)]
AgentInstruction = Annotated[str, Field(max_length=AGENT_INSTRUCTION_MAX_CHARS)]
Questions = Annotated[
    list[Annotated[str, nonempty_text(QUESTION_MAX_CHARS), AfterValidator(stripped)]],
    Field(min_length=1, max_length=LIST_MAX_ITEMS),
]
Keywords = Annotated[
    list[Annotated[str, nonempty_text(KEYWORD_MAX_CHARS), AfterValidator(stripped)]],
    Field(min_length=1, max_length=LIST_MAX_ITEMS),
]
Origin = Annotated[str, Field(max_length=ORIGIN_MAX_CHARS)]


class ArticleContentIn(WireRequest):
    """The content fields; absent ``active``/``public`` keep their value (true when new)."""

    title: Title
    main_knowledge: MainKnowledge
    agent_instruction: AgentInstruction = ""
    questions: Questions
    keywords: Keywords
    escalation: bool = False
    active: bool | None = None
    public: bool | None = None

    def to_content(self) -> ArticleContent:
        return ArticleContent(
            title=self.title,
            main_knowledge=self.main_knowledge,
            agent_instruction=self.agent_instruction,
            questions=self.questions,
            keywords=self.keywords,
            escalation=self.escalation,
            active=self.active,
            public=self.public,
        )


class ArticleCreate(ArticleContentIn):
    parent_folder_id: WireId
    is_draft: bool = False
    origin: Origin | None = None


class ArticleRevisionIn(ArticleContentIn):
    """The body of update, draft and publish. Fini's scripts send their create body to every
    one of them, so each accepts all of its fields (wire tolerance); what ``parentFolderId``
    means on each route is the service's to decide."""

    parent_folder_id: WireId | None = None
    origin: Origin | None = None
    is_draft: bool | None = Field(
        default=None,
        description="Accepted as in the create body and ignored: the route decides whether "
        "the result is a draft.",
    )


class ArticleIdsIn(WireRequest):
    article_ids: IdList


class ArticleMoveIn(WireRequest):
    parent_folder_id: WireId


class Generation(WireModel):
    """(ext) Why a draft exists: the generation job that wrote it."""

    job_id: uuid.UUID | None
    operation: str
    reason: str
    source_ids: list[uuid.UUID]
    conflicts: list[MergeConflict]
    live_merged: bool = Field(default=False, exclude=True)


class Article(WireModel):
    id: uuid.UUID
    title: str
    main_knowledge: str
    agent_instruction: str
    questions: list[str]
    keywords: list[str]
    escalation: bool
    parent_folder_id: uuid.UUID
    active: bool
    public: bool
    origin: str | None
    is_draft: bool
    original_article_id: uuid.UUID | None
    original_article_version: int | None
    is_draft_published: bool
    version: int
    source_ids: list[uuid.UUID]
    generation: Generation | None = None
    dismissed_at: ApiTime | None = None
    """(ext) When a reviewer dismissed this draft or no-op record."""
    created_at: ApiTime
    updated_at: ApiTime


class ArticlePage(WireModel):
    articles: list[Article]
    has_more: bool


class ArticleVersion(WireModel):
    version: int
    change: str
    from_article_id: uuid.UUID | None
    author_key_id: uuid.UUID | None
    title: str
    main_knowledge: str
    agent_instruction: str
    questions: list[str]
    keywords: list[str]
    escalation: bool
    active: bool
    public: bool
    created_at: ApiTime


class ArticleVersions(WireModel):
    article_id: uuid.UUID
    versions: list[ArticleVersion]


class DiffChange(WireModel):
    op: DiffOp
    before: str | None
    after: str | None


class ArticleDiff(WireModel):
    article_id: uuid.UUID
    from_: int | Literal["live"] = Field(alias="from")
    to: int
    changes: list[DiffChange]


class ArticleSummary(WireModel):
    id: uuid.UUID
    title: str
    parent_folder_id: uuid.UUID
