"""Domain errors. Services raise these; the HTTP layer maps each kind to a status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose; ``str(e)`` is safe to show users."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
