"""What one generation decides about, and what it decides."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from kbsmith.generation.keywords import WorkspaceTerms
from kbsmith.generation.operations import Operation


@dataclass(frozen=True)
class Candidate:
    """An existing article (live, or a pending draft) that the new content may belong to."""

    id: uuid.UUID
    title: str
    main_knowledge: str
    questions: list[str]
    parent_folder_id: uuid.UUID
    is_draft: bool
    original_article_id: uuid.UUID | None
    version: int
    sources: frozenset[tuple[uuid.UUID, str]] = frozenset()
    """(source id, origin) of each source the article was generated from."""


@dataclass(frozen=True)
class ScoredCandidate:
    candidate: Candidate
    score: float
    """Hybrid retrieval score (lexical and semantic), higher is closer."""
    title_similarity: float
    body_similarity: float
    containment: float
    """Share of the new content's paragraphs that the article already says word for word."""
    title_agreement: bool
    """The titles name the same subject (no distinguishing term on one side only)."""
    linked: bool = False
    """The article this source was generated into last time."""
    sibling: bool = False
    """Generated from another document of the same site or provider: a separate page there
    is a separate topic, so only repeated content (containment) makes it the same."""
    same_topic: float = 0.0
    """Probability that the new content is about this article's topic (`topic.py`)."""
    signals: tuple[float, ...] = ()
    """What that probability was computed from, in the order of `topic.SIGNALS`."""


@dataclass(frozen=True)
class FolderOption:
    id: uuid.UUID
    title: str
    path: str
    score: float


@dataclass(frozen=True)
class GenerationInput:
    title: str
    paragraphs: list[str]
    allowed: frozenset[Operation]
    candidates: list[ScoredCandidate]
    folders: list[FolderOption]
    instructions: str = ""
    source_url: str = ""
    source_label: str = ""
    """Site or provider name, for a first folder when the workspace has none."""
    unchanged_since_last_generation: bool = False
    taken_titles: frozenset[str] = frozenset()
    """Titles (as `text.title_key` has them) of other articles the new one must not repeat."""
    workspace_terms: WorkspaceTerms = field(default_factory=WorkspaceTerms)
    """How common the content's terms are in the workspace: keywords are its rarer ones."""
    page_links: frozenset[str] | None = None
    """The texts of the page's links (``linklists.page_link_texts``), read from its kept HTML
    when its paragraphs look like a list of links; None when not read."""

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Decision:
    operation: Operation
    reason: str
    target: ScoredCandidate | None = None
    folder: FolderOption | None = None
    new_folder_title: str | None = None
    """ADD into a folder that does not exist yet (the workspace has none)."""


@dataclass(frozen=True)
class WrittenArticle:
    title: str
    main_knowledge: str
    questions: list[str]
    keywords: list[str]
    agent_instruction: str = ""
    escalation: bool = False


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class NoFittingOperation(Exception):
    """No allowed operation fits; ``str(e)`` says why (the job fails with it)."""


def origin_of(provider: str, url: str) -> str:
    """Where a document lives: its site for web pages, else its provider."""
    if provider == "web":
        return "web:" + (urlsplit(url).hostname or "")
    return provider
