"""Wire conventions shared by every schema: camelCase fields, ISO-8601 UTC times with ms and Z."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, PlainSerializer, Strict, StringConstraints
from pydantic.alias_generators import to_camel


def format_time(value: datetime) -> str:
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


ApiTime = Annotated[datetime, PlainSerializer(format_time, return_type=str)]
NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


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


WireId = Annotated[uuid.UUID, Strict(False)]
"""A UUID in a request body, given as its JSON string (not as a number)."""
