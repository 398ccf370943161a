"""Two worker processes' decisions racing for one topic on PostgreSQL: never two articles.

Worker A saves a new article and is held, by a table lock this test takes, after its insert
and before its commit (at the webhook delivery its job.completed queues). Worker B then
decides on the same topic: it must not decide from a read that misses A's article and then
let A's article pass the "added meanwhile" check because A stamped it before B looked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from kbsmith.composition import kbsmith_worker
from kbsmith.db.database import Database
from kbsmith.jobs.worker import Worker
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings
from tests.conftest import Keys
from tests.generation.support import all_articles, wait_jobs
from tests.generation.test_workflow import RESET
from tests.support.hostile_server import HostileServer
from tests.support.waiting import eventually

ADD = "ADD_ARTICLE_TO_FOLDER"
TOPIC = "# Reset your password\n\n" + "\n\n".join(RESET)
WAITING = (
    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
    "WHERE NOT l.granted AND l.locktype = :kind AND d.datname = current_database()"
)


@pytest.fixture
async def two_workers(settings: Settings, db: Database) -> AsyncIterator[list[Worker]]:
    """Two workers with a runtime (and a candidate index) each, as two processes have."""
    if db.is_sqlite:
        pytest.skip("holding a saving job between its insert and its commit takes a table lock")
    runtimes = [Runtime(settings), Runtime(settings)]
    workers = [kbsmith_worker(db, runtime, 1) for runtime in runtimes]
    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    yield workers
    for worker in workers:
        worker.stop()
    await asyncio.gather(*tasks)
    for runtime in runtimes:
        await runtime.aclose()


async def waiting_for(db: Database, kind: str) -> int:
    async with db.read() as session:
        return int((await session.execute(text(WAITING), {"kind": kind})).scalar_one())


async def generate(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    body = {"candidateKnowledge": TOPIC, "origin": "generated", "isDraft": False}
    answer = await client.post("/v2/knowledge/public", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["backgroundJobId"])


async def test_a_topic_saved_but_not_yet_committed_is_not_added_again_by_another_worker(
    client: httpx.AsyncClient,
    keys: Keys,
    db: Database,
    site: HostileServer,
    two_workers: list[Worker],
) -> None:
    headers = await keys.headers()
    hook = {"url": site.url("/hook"), "events": ["job.completed"]}
    created = await client.post("/v2/webhooks/public", headers=headers, json=hook)
    assert created.status_code == 200, created.text

    async with db.write() as holding:
        # A may insert its article but not the webhook delivery that follows it
        await holding.execute(text("LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE"))
        first = await generate(client, headers)
        await eventually(lambda: waiting_for(db, "relation"), lambda n: n == 1)
        second = await generate(client, headers)
        # B waits for the workspace's saving lock that A holds (to save, or to read)
        await eventually(lambda: waiting_for(db, "advisory"), lambda n: n == 1)

    jobs: list[dict[str, Any]] = await wait_jobs(client, headers, [first, second])
    assert [j["jobStatus"] for j in jobs] == ["COMPLETED", "COMPLETED"], jobs
    assert [j["operation"] for j in jobs].count(ADD) == 1, jobs
    assert [a["title"] for a in await all_articles(client, headers)] == ["Reset your password"]
