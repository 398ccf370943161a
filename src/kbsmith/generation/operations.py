"""The three operations a generation job can choose among (wire names)."""

from __future__ import annotations

from enum import StrEnum

from kbsmith.errors import FIELD, InvalidInput


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
            raise InvalidInput(
                f"{FIELD}: {value!r} is not one of {names}", "restricted_ops"
            ) from None
    if not allowed:
        raise InvalidInput(f"{FIELD} must name at least one operation when given", "restricted_ops")
    return frozenset(allowed)
