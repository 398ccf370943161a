"""Wire conventions shared by every schema: camelCase fields, ISO-8601 UTC times with ms and Z."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    field_validator,
)
from pydantic.alias_generators import to_camel


def format_time(value: datetime) -> str:
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


ApiTime = Annotated[datetime, PlainSerializer(format_time, return_type=str)]

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""What no text column takes: PostgreSQL refuses NUL in text, and a lone surrogate (which
JSON's \\uXXXX escapes can spell) is not encodable as UTF-8 for either database."""


def storable(value: Any) -> Any:
    """*value*, refused (ValueError) if a text in it holds what no database text column takes."""
    if isinstance(value, str):
        if found := _UNSTORABLE.search(value):
            raise ValueError(f"must not contain the character U+{ord(found.group()):04X}")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            try:
                storable(item)
            except ValueError as error:
                raise ValueError(f"{key}: {error}") from None
    return value


WireText = Annotated[str, AfterValidator(storable)]
"""A text from a query parameter or form field: refused when no database could store it."""

WIRE_NAMES = {"to_add": "documentIdsToAdd", "to_refresh": "documentIdsToRefresh"}
"""Domain fields whose wire name is not their camelCase."""


def wire_name(field: str) -> str:
    """A domain field's name on the wire: ``document_ids`` → ``documentIds``, ``questions.0``
    → ``questions.0``; services name domain fields in their errors, ``api/`` words them."""
    return WIRE_NAMES.get(field) or ".".join(to_camel(part) for part in field.split("."))


class WireModel(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown request fields are refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, from_attributes=True, extra="forbid"
    )

    @classmethod
    def from_record(cls, record: object) -> Self:
        """The wire form of a service's object, read by attribute name: plain
        ``model_validate`` tries each camelCase alias first, a failed look-up (an exception)
        per field and object, which a list of 100 articles pays 1,000 times."""
        return cls.model_validate(record, by_alias=False, by_name=True)


class WireRequest(WireModel):
    """A JSON request body. Its types are strict: ``"true"``, ``"yes"`` or ``1`` is not a
    boolean, ``"5"`` or ``5.0`` not an integer, ``5`` not a string; each is a 400 naming the
    field. FastAPI validates the parsed JSON in Python mode, where a strict UUID or enum would
    refuse its JSON string form: such fields are ``WireId`` or ``Annotated[..., Strict(False)]``."""

    model_config = ConfigDict(strict=True)

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        """Every text of every request body, at any depth, is one a database can store."""
        return storable(value)


WireId = Annotated[uuid.UUID, Strict(False)]
"""A UUID in a request body, given as its JSON string (not as a number)."""
MAX_IDS = 1000
IdList = Annotated[list[WireId], Field(min_length=1, max_length=MAX_IDS)]
"""The ids a request acts on: at least one (the OpenAPI document says so too)."""


class MergeConflict(WireModel):
    """A paragraph (or a few) changed both by a person and at the source, as Markdown."""

    ours: str
    theirs: str
    base: str


class Deleted(WireModel):
    """What a deletion of one record answers."""

    status: bool
