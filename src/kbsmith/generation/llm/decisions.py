"""The decision asked of the model: its schema, and turning its answer into a Decision.

Articles and folders are shown to the model with small integer handles (1..N, best first);
a handle that was not shown, an operation that is not allowed, or an operation without what
it needs makes the answer invalid: nothing the model says is trusted.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from kbsmith.generation.inputs import (
    Decision,
    FolderOption,
    GenerationInput,
    NoFittingOperation,
    ScoredCandidate,
)
from kbsmith.generation.llm.answers import InvalidAnswer
from kbsmith.generation.llm.client import JsonSchema
from kbsmith.generation.operations import ALL_OPERATIONS, Operation

NONE_FITS = "NONE_FITS"
"""Offered only when some operations are not allowed: the model may say that none of the
allowed ones fits (for example ADD alone, for content an article already covers)."""
REASON_MAX_CHARS = 1_000
ARTICLES_SHOWN = 10
FOLDERS_SHOWN = 30
DEFAULT_FOLDER_TITLE = "Knowledge base"

Item = TypeVar("Item", ScoredCandidate, FolderOption)


class DecisionAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    operation: str
    target_handle: Annotated[StrictInt | None, Field(alias="targetHandle")] = None
    folder_handle: Annotated[StrictInt | None, Field(alias="folderHandle")] = None
    reason: Annotated[str, Field(min_length=1)]


def shown_articles(inp: GenerationInput) -> list[ScoredCandidate]:
    return inp.candidates[:ARTICLES_SHOWN]


def shown_folders(inp: GenerationInput) -> list[FolderOption]:
    return inp.folders[:FOLDERS_SHOWN]


def operation_choices(inp: GenerationInput) -> list[str]:
    choices = [op.value for op in Operation if op in inp.allowed]
    return choices if inp.allowed == ALL_OPERATIONS else [*choices, NONE_FITS]


def schema(inp: GenerationInput) -> JsonSchema:
    return {
        "type": "object",
        "properties": {
            "operation": {"type": "string", "enum": operation_choices(inp)},
            "targetHandle": _handle_schema(len(shown_articles(inp))),
            "folderHandle": _handle_schema(len(shown_folders(inp))),
            "reason": {"type": "string"},
        },
        "required": ["operation", "targetHandle", "folderHandle", "reason"],
        "additionalProperties": False,
    }


def _handle_schema(count: int) -> JsonSchema:
    if count == 0:
        return {"type": "null"}
    return {"type": ["integer", "null"], "enum": [*range(1, count + 1), None]}


def settled_without_asking(inp: GenerationInput) -> Decision | None:
    """Cases whose answer does not need a model (and must not depend on one)."""
    if not inp.candidates and Operation.ADD not in inp.allowed:
        raise NoFittingOperation(
            "no existing article covers this content, and ADD_ARTICLE_TO_FOLDER is not allowed"
        )
    linked = next((item for item in inp.candidates if item.linked), None)
    if linked and inp.unchanged_since_last_generation and Operation.NOTHING in inp.allowed:
        return Decision(
            Operation.NOTHING,
            f"nothing to change in {linked.candidate.title!r}: the source has not changed "
            "since this article was generated from it",
            target=linked,
        )
    return None


def to_decision(answer: DecisionAnswer, inp: GenerationInput, model: str) -> Decision:
    if answer.operation == NONE_FITS and NONE_FITS in operation_choices(inp):
        raise NoFittingOperation(f"the LLM found no allowed operation that fits: {answer.reason}")
    operation = _operation(answer.operation, inp)
    target = _shown(shown_articles(inp), answer.target_handle, "targetHandle", "article")
    folder = _shown(shown_folders(inp), answer.folder_handle, "folderHandle", "folder")
    if operation is Operation.ADD:
        return _add(answer, inp, folder, model)
    if target is None:
        raise InvalidAnswer(f"{operation.value} needs targetHandle: the handle of the article")
    verb = "updates" if operation is Operation.UPDATE else "leaves unchanged"
    return Decision(
        operation,
        _reason(f"{verb} {target.candidate.title!r}", answer, inp, model),
        target=target,
    )


def _operation(value: str, inp: GenerationInput) -> Operation:
    if value not in operation_choices(inp):
        allowed = ", ".join(operation_choices(inp))
        raise InvalidAnswer(f"operation {value!r} is not allowed here; choose one of {allowed}")
    return Operation(value)


def _shown(items: list[Item], handle: int | None, field: str, kind: str) -> Item | None:
    if handle is None:
        return None
    if not 1 <= handle <= len(items):
        raise InvalidAnswer(
            f"{field} {handle} is an unknown handle (invented): {_which(items, kind)}"
        )
    return items[handle - 1]


def _which(items: list[Item], kind: str) -> str:
    if not items:
        return f"no {kind} was shown"
    if len(items) == 1:
        return f"only {kind} 1 was shown"
    return f"only {kind}s 1 to {len(items)} were shown"


def _add(
    answer: DecisionAnswer, inp: GenerationInput, folder: FolderOption | None, model: str
) -> Decision:
    if folder is not None:
        return Decision(
            Operation.ADD,
            _reason(f"new article in folder {folder.path!r}", answer, inp, model),
            folder=folder,
        )
    if shown_folders(inp):
        raise InvalidAnswer("ADD_ARTICLE_TO_FOLDER needs folderHandle: the handle of a folder")
    title = inp.source_label or DEFAULT_FOLDER_TITLE
    what = f"new article; the workspace had no folder, so a folder {title!r} was created"
    return Decision(Operation.ADD, _reason(what, answer, inp, model), new_folder_title=title)


def _reason(what: str, answer: DecisionAnswer, inp: GenerationInput, model: str) -> str:
    said = " ".join(answer.reason.split())[:REASON_MAX_CHARS]
    return f"{what} (LLM {model}: {said}){_considered(inp)}"


def _considered(inp: GenerationInput) -> str:
    if not inp.candidates:
        return "; no existing article was close"
    shown = ", ".join(
        f"{item.candidate.title!r} {item.score:.2f}" + (" linked" if item.linked else "")
        for item in inp.candidates[:5]
    )
    return f"; candidates considered (score): {shown}"
