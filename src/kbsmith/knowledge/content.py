"""What an article says, and the bounds every writer (HTTP or generation) must respect."""

from __future__ import annotations

from dataclasses import dataclass

from kbsmith.errors import FIELD, InvalidInput

TITLE_MAX_CHARS = 500
MAIN_KNOWLEDGE_MAX_BYTES = 200 * 1024
AGENT_INSTRUCTION_MAX_CHARS = 20_000
LIST_MAX_ITEMS = 100
QUESTION_MAX_CHARS = 1_000
KEYWORD_MAX_CHARS = 200
ORIGIN_MAX_CHARS = 64
FOLDER_TITLE_MAX_CHARS = 500
FOLDER_DESCRIPTION_MAX_CHARS = 5_000


@dataclass(frozen=True)
class ArticleContent:
    """The content fields of an article; ``None`` for active/public keeps the current value
    (or the default, ``True``, for a new article)."""

    title: str
    main_knowledge: str
    questions: list[str]
    keywords: list[str]
    agent_instruction: str = ""
    escalation: bool = False
    active: bool | None = None
    public: bool | None = None

    def __post_init__(self) -> None:
        _require_text("title", self.title, TITLE_MAX_CHARS)
        _require_text("main_knowledge", self.main_knowledge, None)
        if len(self.main_knowledge.encode()) > MAIN_KNOWLEDGE_MAX_BYTES:
            raise InvalidInput(
                f"{FIELD} must be at most {MAIN_KNOWLEDGE_MAX_BYTES} bytes", "main_knowledge"
            )
        if len(self.agent_instruction) > AGENT_INSTRUCTION_MAX_CHARS:
            raise InvalidInput(
                f"{FIELD} must be at most {AGENT_INSTRUCTION_MAX_CHARS} characters",
                "agent_instruction",
            )
        _require_text_list("questions", self.questions, QUESTION_MAX_CHARS)
        _require_text_list("keywords", self.keywords, KEYWORD_MAX_CHARS)


def _require_text(field: str, value: str, max_chars: int | None) -> None:
    if not value.strip():
        raise InvalidInput(f"{FIELD} must not be empty", field)
    if max_chars is not None and len(value) > max_chars:
        raise InvalidInput(f"{FIELD} must be at most {max_chars} characters", field)


def _require_text_list(field: str, values: list[str], max_chars: int) -> None:
    if not values or len(values) > LIST_MAX_ITEMS:
        raise InvalidInput(
            f"{FIELD} must be a non-empty array of at most {LIST_MAX_ITEMS} items", field
        )
    for index, value in enumerate(values):
        _require_text(f"{field}.{index}", value, max_chars)


def check_origin(origin: str | None) -> None:
    if origin is not None and len(origin) > ORIGIN_MAX_CHARS:
        raise InvalidInput(f"origin must be at most {ORIGIN_MAX_CHARS} characters")
