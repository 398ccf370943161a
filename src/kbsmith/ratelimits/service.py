"""A fixed one-minute window per API key, counted by one upsert in the database: the limit
holds however many API processes or machines share it."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import table_of, utcnow
from kbsmith.db.dialect import increment
from kbsmith.ratelimits.models import RateWindow

WINDOWS = table_of(RateWindow)
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    limit: int
    remaining: int
    retry_after: int | None
    """Seconds until the window ends, when this request is over the limit."""

    @property
    def allowed(self) -> bool:
        return self.retry_after is None


async def hit(
    session: AsyncSession, key_id: uuid.UUID, limit: int, now: datetime | None = None
) -> Verdict:
    """Count one request of the key in the current minute."""
    moment = (now or utcnow()).timestamp()
    minute = int(moment // WINDOW_SECONDS)
    count = await increment(session, WINDOWS, {"key_id": key_id, "minute": minute}, "count")
    if count == 1:  # a new window: the key's older ones are done with
        await session.execute(
            delete(RateWindow).where(RateWindow.key_id == key_id, RateWindow.minute < minute)
        )
    if count <= limit:
        return Verdict(limit, limit - count, None)
    ends = (minute + 1) * WINDOW_SECONDS
    return Verdict(limit, 0, max(1, math.ceil(ends - moment)))
