"""The composition root: what one process builds once and hands, typed, to the code it runs.

Job handlers get the process's ``Runtime`` from here when their domain registers them (the
job engine in ``jobs/`` knows no domain: it runs whatever registry it is given); HTTP routes
get the same collaborators through ``api/deps.py`` from the ``Composition`` the app holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from kbsmith.db.database import Database
from kbsmith.generation import tasks as generation_tasks
from kbsmith.jobs.registry import JobRegistry
from kbsmith.jobs.worker import Worker, WorkerConfig
from kbsmith.runtime import Runtime
from kbsmith.schedules import tasks as schedule_tasks
from kbsmith.settings import Settings
from kbsmith.sources import tasks as source_tasks
from kbsmith.webhooks import delivery as webhook_delivery


@dataclass(frozen=True)
class Composition:
    """What the API process holds: its settings, database and runtime."""

    settings: Settings
    db: Database
    runtime: Runtime


def job_registry(runtime: Runtime) -> JobRegistry:
    """Every job kind kbsmith runs, each handler bound to this process's runtime."""
    registry = JobRegistry()
    source_tasks.register(registry, runtime)
    generation_tasks.register(registry, runtime)
    webhook_delivery.register(registry, runtime)
    schedule_tasks.register(registry, runtime)
    return registry


def kbsmith_worker(db: Database, runtime: Runtime, concurrency: int) -> Worker:
    """A worker for every kind kbsmith runs, sharing the process's runtime."""
    config = WorkerConfig.from_settings(runtime.settings, concurrency)
    return Worker(db, job_registry(runtime), config)
