"""The three operations a generation job can choose among (wire names)."""

from __future__ import annotations

from enum import StrEnum

from kbsmith.errors import InvalidInput


class Operation(StrEnum):
    ADD = "ADD_ARTICLE_TO_FOLDER"
    UPDATE = "UPDATE_ARTICLE"
    NOTHING = "DO_NOTHING"


ALL_OPERATIONS = frozenset(Operation)


def parse_operations(values: list[str] | None) -> frozenset[Operation]:
    """``restrictedOps``: the allowed operations; absent means all of them."""
    if values is None:
        return ALL_OPERATIONS
    allowed = set()
    for value in values:
        try:
            allowed.add(Operation(value))
        except ValueError:
            names = ", ".join(op.value for op in Operation)
            raise InvalidInput(f"restrictedOps: {value!r} is not one of {names}") from None
    if not allowed:
        raise InvalidInput("restrictedOps must name at least one operation when given")
    return frozenset(allowed)
