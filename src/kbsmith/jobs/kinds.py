"""The registry of every job kind kbsmith runs; each domain contributes its handlers here."""

from __future__ import annotations

from kbsmith.generation import tasks as generation_tasks
from kbsmith.jobs.registry import JobRegistry
from kbsmith.sources import tasks as source_tasks


def default_registry() -> JobRegistry:
    registry = JobRegistry()
    source_tasks.register(registry)
    generation_tasks.register(registry)
    return registry
