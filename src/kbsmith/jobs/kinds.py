"""The registry of every job kind kbsmith runs; each domain contributes its handlers here."""

from __future__ import annotations

from kbsmith.jobs.registry import JobRegistry


def default_registry() -> JobRegistry:
    return JobRegistry()
