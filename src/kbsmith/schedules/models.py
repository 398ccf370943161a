from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kbsmith.db.base import Base, IdMixin, TimestampMixin, utcnow
from kbsmith.db.scoping import WorkspaceOwned


class Schedule(WorkspaceOwned, IdMixin, TimestampMixin, Base):
    __tablename__ = "schedules"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(32), default=None)
    """Every source of this provider; or, when None, the ``document_ids``."""
    document_ids: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    every: Mapped[str] = mapped_column(String(200))
    generate: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    delete_articles: Mapped[bool] = mapped_column(default=False)
    next_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_run: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class RunPhase:
    PENDING = "PENDING"
    REFRESHING = "REFRESHING"
    GENERATING = "GENERATING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class ScheduleRun(IdMixin, Base):
    """One tick of a schedule. (schedule, tick) is unique: a tick is planned, and so run, once."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "tick_at"),)

    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    tick_at: Mapped[datetime]
    manual: Mapped[bool] = mapped_column(default=False)
    job_id: Mapped[uuid.UUID]
    phase: Mapped[str] = mapped_column(String(16), default=RunPhase.PENDING)
    refresh_job_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    generation_job_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
