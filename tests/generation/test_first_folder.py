"""A workspace's first folder: named after the site, and made once however many jobs race."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import select

from kbsmith.db.database import Database
from kbsmith.db.dialect import lock_workspace_knowledge
from kbsmith.generation.inputs import Decision, WrittenArticle
from kbsmith.generation.operations import Operation
from kbsmith.generation.request import GenerationRequest
from kbsmith.generation.saving import save
from kbsmith.jobs.worker import Worker
from kbsmith.knowledge.models import Folder
from kbsmith.workspaces import service as workspaces
from tests.conftest import Keys
from tests.generation.support import bulk, ingest_pages, page
from tests.generation.test_workflow import RESET
from tests.support.hostile_server import HostileServer, Page

JOBS = 4


async def test_jobs_that_all_saw_no_folder_make_one(db: Database) -> None:
    async with db.write() as session:
        workspace_id = (await workspaces.get_or_create_workspace(session, "race")).id
    # every job decided on the empty workspace, so each one means to create the folder
    decision = Decision(Operation.ADD, "new topic", new_folder_title="Acme Help")
    request = GenerationRequest(origin="generated", is_draft=False)

    async def save_one(n: int) -> uuid.UUID | None:
        written = WrittenArticle(f"Topic {n}", f"Text {n}.", [f"What is topic {n}?"], ["topic"])
        async with db.write() as session:
            await lock_workspace_knowledge(session, workspace_id)
            saved = await save(session, workspace_id, request, decision, written, None)
        return saved.article_id

    assert all(await asyncio.gather(*(save_one(n) for n in range(JOBS))))
    async with db.read() as session:
        folders = (
            await session.scalars(select(Folder.title).where(Folder.workspace_id == workspace_id))
        ).all()
    assert folders == ["Acme Help"]


async def test_a_first_folder_is_named_after_the_site(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/kb/reset"] = Page(page("Reset your password", *RESET))
    site.pages["/kb/plan"] = Page(
        page("Change your plan", "Open Billing and choose Change plan.", "Prices apply at once.")
    )
    ids = await ingest_pages(client, headers, site.url("/kb/reset"), site.url("/kb/plan"))
    jobs = await bulk(client, headers, ids, isDraft=False)
    assert [j["operation"] for j in jobs] == ["ADD_ARTICLE_TO_FOLDER"] * 2, jobs
    tree = (await client.get("/v2/hc-folders/public", headers=headers)).json()["snapshotObjV2"]
    assert [(node["title"], len(node["articles"])) for node in tree] == [("Acme Help", 2)], tree
