"""What a handler gets: its job, the database, and the transaction that finishes the job.
Its other collaborators (the process's runtime) were bound when its domain registered it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.database import Database
from kbsmith.jobs import store
from kbsmith.jobs.errors import LeaseLost
from kbsmith.jobs.store import ClaimedJob

ClaimSuccessors = Callable[[AsyncSession], Awaitable[list[ClaimedJob]]]
"""Claims, in the given transaction, the jobs its worker runs next in the slot a finishing
job frees."""


class JobContext:
    def __init__(
        self, job: ClaimedJob, db: Database, claim_successors: ClaimSuccessors | None = None
    ) -> None:
        self.job = job
        self.db = db
        self.finished = False
        self.result: dict[str, Any] | None = None
        """Recorded on the job when it completes (set it inside ``finishing``)."""
        self._claim_successors = claim_successors
        self.successors: list[ClaimedJob] = []
        """The jobs claimed in the finishing transaction (committed with it): the worker
        starts them when this job's handler returns, so a handler ends soon after its
        finishing block. One write transaction fewer per job, which on SQLite is one turn
        less to wait for. (One claimed but never started, by a handler cancelled between the
        commit and here, goes back to the queue when its lease expires.)"""

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @asynccontextmanager
    async def finishing(self, result: dict[str, Any] | None = None) -> AsyncIterator[AsyncSession]:
        """The handler's final writes, committed together with the job's completion.

        If the lease was lost meanwhile (another worker has the job), nothing is committed:
        this is what makes a handler's effect happen once even when a worker is killed.
        """
        async with self.db.write() as session:
            yield session
            outcome = result if result is not None else self.result
            if not await store.complete(session, self.job.id, self.job.token, outcome):
                raise LeaseLost(f"job {self.job.id} is no longer ours")
            claimed = await self._claim_successors(session) if self._claim_successors else []
        self.finished = True
        self.successors = claimed
