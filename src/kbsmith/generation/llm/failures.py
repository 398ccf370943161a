"""Why an LLM call failed, whether trying again can help, and how long to wait before it."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import Any

import openai

from kbsmith.generation.llm.config import LLMConfig
from kbsmith.jobs.errors import JobError, PermanentJobError, RetryableJobError

DETAIL_MAX_CHARS = 300
PASSING_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True)
class CallFailure:
    message: str
    retryable: bool
    retry_after: float | None = None

    def as_job_error(self, tries: int) -> JobError:
        message = f"{self.message} (tried {tries} time{'s' if tries > 1 else ''})"
        if self.retryable:
            return RetryableJobError(message, retry_after=self.retry_after)
        return PermanentJobError(message)


def describe(error: openai.APIError | TimeoutError, config: LLMConfig) -> CallFailure:
    if isinstance(error, TimeoutError | openai.APITimeoutError):
        return CallFailure(f"LLM server timed out after {config.timeout:g} s", retryable=True)
    if isinstance(error, openai.APIStatusError):
        return _status_failure(error, config)
    if isinstance(error, openai.APIConnectionError):
        cause = type(error.__cause__).__name__ if error.__cause__ else "connection error"
        return CallFailure(
            f"could not connect to the LLM server at {config.base_url} ({cause})", retryable=True
        )
    return CallFailure(config.scrub(f"LLM call failed: {error}"), retryable=False)


def _status_failure(error: openai.APIStatusError, config: LLMConfig) -> CallFailure:
    status = error.status_code
    detail = config.scrub(_detail(error.body))[:DETAIL_MAX_CHARS]
    message = f"LLM server answered HTTP {status}" + (f": {detail}" if detail else "")
    retryable = status in PASSING_STATUSES or status >= 500
    return CallFailure(message, retryable, retry_after(error.response.headers))


def _detail(body: Any) -> str:
    """The server's own words, from OpenAI's ``{"error": {"message"}}`` or flatter shapes."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("message") or inner.get("detail") or "")
        return str(inner)
    return str(body) if body else ""


def retry_after(headers: Any) -> float | None:
    """Seconds asked by ``Retry-After`` (seconds or HTTP date) or OpenAI's ``retry-after-ms``."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff(attempt: int, failure: CallFailure, config: LLMConfig) -> float | None:
    """Seconds to wait before retry ``attempt`` (0-based), or None when the server asks for
    longer than we wait inside a job: the job goes back to the queue with that delay instead."""
    if failure.retry_after is not None:
        return failure.retry_after if failure.retry_after <= config.backoff_max else None
    nominal = config.backoff_base * 2.0**attempt
    return min(config.backoff_max, nominal * random.uniform(0.5, 1.5))
