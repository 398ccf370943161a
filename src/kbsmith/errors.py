"""Domain errors. Services raise these; the HTTP layer maps each kind to a status and each
field the message names to its wire name."""

from __future__ import annotations

from collections.abc import Callable

FIELD = "{}"
"""Where a message names a field: ``InvalidInput(f"{FIELD} must be ...", "document_ids")``."""


class DomainError(Exception):
    """Base of every error a service raises on purpose; ``str(e)`` is safe to show users.

    ``fields`` are the domain names (``document_ids``) of the inputs the message is about, in
    the order the message names them by ``{}`` (each before any value the message quotes).
    ``message`` names them as they are; ``api/`` words them by their wire names
    (``documentIds``) with ``worded``.
    """

    def __init__(self, message: str, *fields: str) -> None:
        self.template = message
        self.fields = fields
        self.message = self.worded(str)
        super().__init__(self.message)

    def worded(self, name: Callable[[str], str]) -> str:
        """The message with each field called ``name(field)``."""
        parts, rest = [], self.template
        for field in self.fields:
            before, _, rest = rest.partition(FIELD)
            parts += [before, name(field)]
        return "".join(parts) + rest


class InvalidInput(DomainError):
    """The request is well-formed but its content is not acceptable (HTTP 400)."""


class TooLarge(DomainError):
    """A given file or body is larger than the configured limit (HTTP 413)."""


class NotFound(DomainError):
    """No such record in the caller's workspace (HTTP 404)."""


class Conflict(DomainError):
    """The record's state forbids the change (HTTP 409)."""


class NotAcceptable(DomainError):
    """The change would break an invariant such as the folder tree (HTTP 406)."""
