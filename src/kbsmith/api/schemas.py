"""Wire conventions shared by every schema: camelCase fields, ISO-8601 UTC times with ms and Z."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, StringConstraints
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
