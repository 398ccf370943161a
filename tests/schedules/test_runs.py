"""A schedule's run: refresh, wait, generate what changed, record, announce, tick again."""

from __future__ import annotations

from datetime import datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from kbsmith.api.deps import composition_of
from kbsmith.db.base import utcnow
from kbsmith.db.database import Database
from kbsmith.jobs.worker import Worker
from kbsmith.schedules.models import RunPhase, ScheduleRun
from tests.schedules.conftest import (
    call,
    ingested_and_generated,
    received,
    running_worker,
    schedules_of,
)
from tests.support.changing_site import ChangingSite
from tests.support.receiver import ReceiverServer, subscribe
from tests.support.waiting import eventually


async def test_a_run_regenerates_what_changed_and_announces_each_draft(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    site: ChangingSite,
    receiver_server: ReceiverServer,
    workers: Worker,
    db: Database,
) -> None:
    receiver = receiver_server.receiver
    ids = await ingested_and_generated(client, headers, site)
    await subscribe(
        client, headers, receiver_server.url, ["draft.created", "schedule.finished"], receiver
    )
    schedule = await call(
        client,
        "POST",
        "/v2/schedules/public",
        headers,
        json={"name": "site", "source": "web", "every": "PT1H", "generate": {"isDraft": True}},
    )
    site.change(1, 3)

    await call(client, "POST", f"/v2/schedules/{schedule['id']}/run/public", headers)
    [finished] = await received(receiver, "schedule.finished", 1)

    [shown] = await schedules_of(client, headers)
    assert shown["lastRun"] == {
        "refreshed": 4,
        "changed": 2,
        "generated": 2,
        "failed": 0,
        "deleted": 0,
        "status": "COMPLETED",
        "error": "",
    }
    assert finished.data["generated"] == 2
    drafts = await received(receiver, "draft.created", 2)
    assert sorted(d.data["documentId"] for d in drafts) == sorted([ids[1], ids[3]])
    assert {d.data["operation"] for d in drafts} == {"UPDATE_ARTICLE"}

    # nothing changed since: a run asks each page once, conditionally, and queues nothing
    answered_304 = site.not_modified
    await call(client, "POST", f"/v2/schedules/{schedule['id']}/run/public", headers)
    await received(receiver, "schedule.finished", 2)
    [shown] = await schedules_of(client, headers)
    assert (shown["lastRun"]["refreshed"], shown["lastRun"]["changed"]) == (4, 0)
    assert shown["lastRun"]["generated"] == 0
    assert len(receiver.of_type("draft.created")) == 2
    assert site.not_modified - answered_304 == 4
    async with db.read() as session:
        last = await session.scalar(
            select(ScheduleRun)
            .where(ScheduleRun.phase == RunPhase.COMPLETED)
            .order_by(ScheduleRun.tick_at.desc())
            .limit(1)
        )
    assert last is not None and last.refresh_job_ids == []


async def test_ticks_missed_while_no_worker_ran_run_once(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    db: Database,
    site: ChangingSite,
    app: FastAPI,
) -> None:
    added = await call(
        client, "POST", "/v2/documents/public", headers, json={"documentIdsToAdd": [site.url(0)]}
    )
    schedule = await call(
        client,
        "POST",
        "/v2/schedules/public",
        headers,
        json={"name": "often", "documentIds": added["addedDocumentIds"], "every": "PT1S"},
    )
    first_tick = datetime.fromisoformat(schedule["nextRunAt"])

    async def now() -> datetime:
        return utcnow()

    # three ticks pass while no worker runs
    await eventually(now, lambda moment: (moment - first_tick).total_seconds() > 3.2)
    restarted = utcnow()

    async def runs() -> list[ScheduleRun]:
        async with db.read() as session:
            query = select(ScheduleRun).order_by(ScheduleRun.tick_at)
            return list((await session.scalars(query)).all())

    async with running_worker(db, composition_of(app).runtime):
        found = await eventually(
            runs, lambda rs: len(rs) > 1 and rs[0].phase == RunPhase.COMPLETED, timeout=60
        )

    assert found[0].tick_at == first_tick
    # the ticks missed meanwhile were neither planned nor run: the next one is after the restart
    assert found[1].tick_at > restarted
