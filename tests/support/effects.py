"""A side-effect table that test job handlers write to, so tests can count their effects."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

EFFECTS_TABLE = "test_job_effects"


async def create_effects_table(session: AsyncSession) -> None:
    await session.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {EFFECTS_TABLE} "
            "(job_id VARCHAR(36) NOT NULL, attempt INTEGER)"
        )
    )


async def record_effect(session: AsyncSession, job_id: str, attempt: int) -> None:
    await session.execute(
        text(f"INSERT INTO {EFFECTS_TABLE} (job_id, attempt) VALUES (:job_id, :attempt)"),
        {"job_id": job_id, "attempt": attempt},
    )


async def effect_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        text(f"SELECT job_id, COUNT(*) FROM {EFFECTS_TABLE} GROUP BY job_id")
    )
    return {str(job_id): int(count) for job_id, count in rows.all()}
