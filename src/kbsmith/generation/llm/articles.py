"""The article asked of the model: its schema, and checking its answer against the bounds
every writer respects (``knowledge/content.py``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kbsmith.errors import InvalidInput
from kbsmith.generation.inputs import WrittenArticle
from kbsmith.generation.llm.answers import InvalidAnswer
from kbsmith.generation.llm.client import JsonSchema
from kbsmith.knowledge.content import ArticleContent

_TEXT: JsonSchema = {"type": "string"}
_TEXTS: JsonSchema = {"type": "array", "items": {"type": "string"}, "minItems": 1}

SCHEMA: JsonSchema = {
    "type": "object",
    "properties": {
        "title": _TEXT,
        "mainKnowledge": _TEXT,
        "questions": _TEXTS,
        "keywords": _TEXTS,
        "agentInstruction": _TEXT,
        "escalation": {"type": "boolean"},
    },
    "required": [
        "title",
        "mainKnowledge",
        "questions",
        "keywords",
        "agentInstruction",
        "escalation",
    ],
    "additionalProperties": False,
}


class ArticleAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str
    main_knowledge: Annotated[str, Field(alias="mainKnowledge")]
    questions: list[str]
    keywords: list[str]
    agent_instruction: Annotated[str, Field(alias="agentInstruction")] = ""
    escalation: bool = False


def to_written(answer: ArticleAnswer) -> WrittenArticle:
    written = WrittenArticle(
        title=" ".join(answer.title.split()),
        main_knowledge=answer.main_knowledge.strip(),
        questions=_distinct(answer.questions),
        keywords=_distinct(answer.keywords),
        agent_instruction=answer.agent_instruction.strip(),
        escalation=answer.escalation,
    )
    try:
        ArticleContent(
            title=written.title,
            main_knowledge=written.main_knowledge,
            questions=written.questions,
            keywords=written.keywords,
            agent_instruction=written.agent_instruction,
            escalation=written.escalation,
        )
    except InvalidInput as error:
        raise InvalidAnswer(error.message) from None
    return written


def _distinct(values: list[str]) -> list[str]:
    """Trimmed, without blanks and repeats, in the model's order."""
    return list(dict.fromkeys(" ".join(value.split()) for value in values if value.strip()))
