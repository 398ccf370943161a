"""Reading a model's JSON answer: never trusted, always validated."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from kbsmith.generation.llm.client import Reply

Answer = TypeVar("Answer", bound=BaseModel)


class InvalidAnswer(Exception):
    """The answer breaks the schema or a rule; ``str(e)`` tells the model what was wrong."""


def parse(reply: Reply, model: type[Answer]) -> Answer:
    text = _json_text(reply.content)
    try:
        return model.model_validate_json(text)
    except ValidationError as error:
        problems = _problems(error)
    if reply.finish_reason == "length":
        problems += " (the answer was cut off: it reached the length limit; answer more briefly)"
    raise InvalidAnswer(problems)


def _json_text(content: str) -> str:
    """The JSON object in ``content``: some servers wrap it in code fences or a sentence."""
    start, end = content.find("{"), content.rfind("}")
    if start == -1 or end < start:
        return content.strip()
    return content[start : end + 1]


def _problems(error: ValidationError) -> str:
    found = error.errors(include_url=False)
    if any(item["type"] == "json_invalid" for item in found):
        return f"the answer is not valid JSON ({found[0]['msg']})"
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'answer'}: {item['msg']}"
        for item in found
    )
