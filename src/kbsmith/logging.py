"""structlog setup: JSON lines when not on a terminal, one request id carried into jobs."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_PATTERN = re.compile(r"kbs_[0-9A-Za-z]{8,}|Bearer\s+\S+", re.IGNORECASE)
SECRET_FIELDS = {"authorization", "token", "api_key", "apikey", "password", "secret", "key"}


def redact_secrets(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Last line of defence: no key or bearer token ever reaches a log line."""
    for name, value in list(event.items()):
        if name.lower() in SECRET_FIELDS:
            event[name] = "[redacted]"
        elif isinstance(value, str):
            event[name] = SECRET_PATTERN.sub("[redacted]", value)
    return event


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_secrets,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    _route_standard_logging(level, shared, renderer)


def _route_standard_logging(level: str, shared: list[Any], renderer: Any) -> None:
    """Libraries that log through the standard library (uvicorn, alembic) get the same format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "alembic"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    for noisy in ("uvicorn.access", "httpx", "httpcore", "trafilatura", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Alembic tells every command it runs which dialect it talks to: only worth it when debugging.
    debugging = logging.getLevelName(level.upper()) == logging.DEBUG
    logging.getLogger("alembic").setLevel(logging.NOTSET if debugging else logging.WARNING)
