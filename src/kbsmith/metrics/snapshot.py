"""The database's view, read at scrape time so that it holds across processes and machines:
jobs waiting, running and failed per kind; questions asked lately, how fast and how many
went unanswered; webhook deliveries given up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.models import AnswerRecord
from kbsmith.db.base import utcnow
from kbsmith.jobs.models import Job, JobStatus
from kbsmith.webhooks.models import DeliveryStatus, WebhookDelivery

RECENT = timedelta(hours=1)
WATCHED_STATUSES = (JobStatus.PENDING, JobStatus.IN_PROGRESS, JobStatus.FAILED)


@dataclass(frozen=True)
class Snapshot:
    jobs: dict[tuple[str, str], int] = field(default_factory=dict)
    """(kind, status) → count, for PENDING (queued), IN_PROGRESS (running) and FAILED."""
    questions: int = 0
    """Questions answered (or not) in the last hour."""
    unanswered: int = 0
    ask_seconds_avg: float = 0.0
    webhook_deliveries_failed: int = 0

    @property
    def unanswered_share(self) -> float:
        return self.unanswered / self.questions if self.questions else 0.0


async def take(session: AsyncSession) -> Snapshot:
    jobs = await session.execute(
        select(Job.kind, Job.status, func.count())
        .where(Job.status.in_(WATCHED_STATUSES))
        .group_by(Job.kind, Job.status)
    )
    since = utcnow() - RECENT
    asked = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((AnswerRecord.success.is_(False), 1), else_=0)), 0),
                func.coalesce(func.avg(AnswerRecord.latency_ms), 0.0),
            ).where(AnswerRecord.created_at >= since)
        )
    ).one()
    failed_deliveries = await session.scalar(
        select(func.count())
        .select_from(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.FAILED)
    )
    return Snapshot(
        jobs={(kind, status): count for kind, status, count in jobs.all()},
        questions=int(asked[0]),
        unanswered=int(asked[1]),
        ask_seconds_avg=float(asked[2]) / 1000,
        webhook_deliveries_failed=int(failed_deliveries or 0),
    )
