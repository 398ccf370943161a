"""The registry of every job kind kbsmith runs; each domain contributes its handlers here."""

from __future__ import annotations

from kbsmith.db.database import Database
from kbsmith.generation import tasks as generation_tasks
from kbsmith.jobs.registry import JobRegistry
from kbsmith.jobs.worker import Worker, WorkerConfig
from kbsmith.runtime import Runtime
from kbsmith.schedules import tasks as schedule_tasks
from kbsmith.sources import tasks as source_tasks
from kbsmith.webhooks import delivery as webhook_delivery


def kbsmith_worker(db: Database, runtime: Runtime, concurrency: int) -> Worker:
    """A worker for every kind kbsmith runs, sharing the process's runtime."""
    config = WorkerConfig.from_settings(runtime.settings, concurrency)
    return Worker(db, default_registry(), config, services={"runtime": runtime})


def default_registry() -> JobRegistry:
    registry = JobRegistry()
    source_tasks.register(registry)
    generation_tasks.register(registry)
    webhook_delivery.register(registry)
    schedule_tasks.register(registry)
    return registry
