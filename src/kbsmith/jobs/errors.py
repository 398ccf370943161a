"""What a handler raises to say how its attempt ended. ``str(e)`` is shown to users."""

from __future__ import annotations


class JobError(Exception):
    retryable = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class RetryableJobError(JobError):
    """A passing failure (network, rate limit): try again later, up to max_attempts."""

    retryable = True


class PermanentJobError(JobError):
    """Trying again cannot help: the job ends FAILED with this message."""


class LeaseLost(Exception):
    """Another worker owns the job now (our lease expired); our work must not be saved."""
