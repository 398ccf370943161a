"""The schedule routes: validation naming the field, listing, removal, isolation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from kbsmith.db.database import Database
from kbsmith.jobs.models import Job
from kbsmith.schedules.service import RUN_JOB
from kbsmith.settings import Settings
from tests.conftest import Keys


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"schedule_min_interval": 300.0})  # PT5M, as shipped


async def test_bad_bodies_are_400s_naming_the_field(client: httpx.AsyncClient, keys: Keys) -> None:
    headers = await keys.headers("sync")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "a", "source": "web", "every": "PT1M"}, "every"),
        ({"name": "a", "source": "web", "every": "yearly"}, "every"),
        ({"name": "a", "every": "PT5M"}, "source or documentIds"),
        ({"name": "a", "source": "gopher", "every": "PT5M"}, "source"),
        ({"name": "a", "source": "files", "every": "PT5M"}, "source"),
        ({"name": "a", "documentIds": [str(uuid.uuid4())], "every": "PT5M"}, "documentIds"),
        ({"name": " ", "source": "web", "every": "PT5M"}, "name"),
        (
            {"name": "a", "source": "web", "every": "PT5M", "generate": {"restrictedOps": ["X"]}},
            "restrictedOps",
        ),
        (
            {
                "name": "a",
                "source": "web",
                "every": "PT5M",
                "generate": {"botId": str(uuid.uuid4())},
            },
            "generate.botId",
        ),
        (
            {"name": "a", "source": "web", "every": "PT5M", "generate": {"isDraft": "yes"}},
            "generate",
        ),
    ]
    for body, field in cases:
        response = await client.post("/v2/schedules/public", json=body, headers=headers)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["message"].startswith(field), (body, response.json())


async def test_a_schedule_is_listed_with_its_next_tick_and_removed_with_its_plan(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    headers = await keys.headers("sync")
    body = {
        "name": "nightly",
        "source": "web",
        "every": "0 3 * * *",
        "generate": {"isDraft": True, "restrictedOps": ["UPDATE_ARTICLE"]},
    }
    created = await client.post("/v2/schedules/public", json=body, headers=headers)
    assert created.status_code == 200, created.text
    schedule = created.json()
    [listed] = (await client.get("/v2/schedules/public", headers=headers)).json()["schedules"]
    assert listed == schedule
    assert listed["lastRun"] is None and listed["lastRunAt"] is None
    next_run = datetime.fromisoformat(listed["nextRunAt"])
    assert (next_run.hour, next_run.minute) == (3, 0)
    assert listed["generate"]["restrictedOps"] == ["UPDATE_ARTICLE"]

    removed = await client.delete(f"/v2/schedules/{schedule['id']}/public", headers=headers)
    assert removed.status_code == 200
    assert (await client.get("/v2/schedules/public", headers=headers)).json()["schedules"] == []
    async with db.read() as session:
        planned = select(func.count()).select_from(Job).where(Job.kind == RUN_JOB)
        assert await session.scalar(planned) == 1  # left to find nothing when it runs


async def test_another_workspace_cannot_see_run_or_remove_ours(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    ours, theirs = await keys.headers("ours"), await keys.headers("theirs")
    created = await client.post(
        "/v2/schedules/public", json={"name": "a", "source": "web", "every": "PT5M"}, headers=ours
    )
    schedule_id = created.json()["id"]
    assert (await client.get("/v2/schedules/public", headers=theirs)).json()["schedules"] == []
    for method, path in [
        ("POST", f"/v2/schedules/{schedule_id}/run/public"),
        ("DELETE", f"/v2/schedules/{schedule_id}/public"),
    ]:
        assert (await client.request(method, path, headers=theirs)).status_code == 404
    ran = await client.post(f"/v2/schedules/{schedule_id}/run/public", headers=ours)
    assert ran.status_code == 200 and set(ran.json()) == {"runId", "backgroundJobId"}
