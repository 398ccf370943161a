"""Agents and their folders: junctions, what an agent sees, and the services generation uses."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kbsmith.api.schemas.bots import AGENT_NAME_MAX_CHARS
from kbsmith.db.database import Database
from kbsmith.knowledge import agents, articles
from kbsmith.workspaces import service as workspaces
from tests.knowledge.conftest import JSON, Kb, assert_error

JUNCTIONS = "/v2/hc-bot-folder-junctions/public"


def junction(bot_id: str, folder_id: str, action: str = "ADD") -> JSON:
    return {"botId": bot_id, "folderId": folder_id, "action": action}


async def test_agents_are_created_and_listed_with_their_folders(kb: Kb) -> None:
    bot = await kb.bot("Support bot")
    assert (bot["name"], bot["folderIds"]) == ("Support bot", [])
    billing, refunds = await kb.folder("Billing"), await kb.folder("Refunds")
    await kb.junction(bot["id"], billing["id"])
    await kb.junction(bot["id"], refunds["id"])
    (listed,) = await kb.ok("GET", "/v2/bots/public")
    assert listed["id"] == bot["id"]
    assert listed["folderIds"] == [billing["id"], refunds["id"]]
    assert await kb.ok("GET", f"/v2/bots/{bot['id']}/public") == listed


@pytest.mark.parametrize(
    "body", [{}, {"name": " "}, {"name": "n" * (AGENT_NAME_MAX_CHARS + 1)}, {"name": 5}]
)
async def test_an_agent_needs_a_name_of_at_most_its_length(kb: Kb, body: JSON) -> None:
    assert_error(await kb.call("POST", "/v2/bots/public", body), 400, "name")


async def test_an_agents_name_is_kept_without_surrounding_spaces(kb: Kb) -> None:
    assert (await kb.bot("  Support bot "))["name"] == "Support bot"


async def test_junctions_are_idempotent(kb: Kb) -> None:
    bot, folder = await kb.bot(), await kb.folder()
    body = {"junctions": [junction(bot["id"], folder["id"])] * 2}
    assert await kb.ok("POST", JUNCTIONS, body) == {"status": True}
    await kb.junction(bot["id"], folder["id"])
    assert (await kb.ok("GET", f"/v2/bots/{bot['id']}/public"))["folderIds"] == [folder["id"]]
    await kb.junction(bot["id"], folder["id"], "REMOVE")
    await kb.junction(bot["id"], folder["id"], "REMOVE")
    assert (await kb.ok("GET", f"/v2/bots/{bot['id']}/public"))["folderIds"] == []


async def test_junctions_apply_in_order(kb: Kb) -> None:
    bot, kept, dropped = await kb.bot(), await kb.folder("Kept"), await kb.folder("Dropped")
    body = {
        "junctions": [
            junction(bot["id"], dropped["id"]),
            junction(bot["id"], kept["id"], "REMOVE"),
            junction(bot["id"], kept["id"]),
            junction(bot["id"], dropped["id"], "REMOVE"),
        ]
    }
    await kb.ok("POST", JUNCTIONS, body)
    assert (await kb.ok("GET", f"/v2/bots/{bot['id']}/public"))["folderIds"] == [kept["id"]]


async def test_an_unknown_folder_or_agent_is_404_and_changes_nothing(kb: Kb) -> None:
    bot, folder = await kb.bot(), await kb.folder()
    for bad in (junction(bot["id"], str(uuid.uuid4())), junction(str(uuid.uuid4()), folder["id"])):
        body = {"junctions": [junction(bot["id"], folder["id"]), bad]}
        response = await kb.call("POST", JUNCTIONS, body)
        assert_error(response, 404, "bot" if bad["botId"] != bot["id"] else "folder")
    assert (await kb.ok("GET", f"/v2/bots/{bot['id']}/public"))["folderIds"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "junctions"),
        ({"junctions": []}, "junctions"),
        ({"junctions": [{"botId": "b", "folderId": "f", "action": "ADD"}]}, "junctions.0.folderId"),
        ("bad-action", "junctions.0.action"),
    ],
)
async def test_bad_junction_bodies_are_400(kb: Kb, body: Any, field: str) -> None:
    bot, folder = await kb.bot(), await kb.folder()
    if body == "bad-action":
        body = {"junctions": [junction(bot["id"], folder["id"], "TOGGLE")]}
    assert_error(await kb.call("POST", JUNCTIONS, body), 400, field)
    assert (await kb.ok("GET", f"/v2/bots/{bot['id']}/public"))["folderIds"] == []


async def test_a_thousand_junctions_at_most(roomy: Kb) -> None:
    bot, folder = await roomy.bot(), await roomy.folder()
    most = {"junctions": [junction(bot["id"], folder["id"])] * 1000}
    assert await roomy.ok("POST", JUNCTIONS, most) == {"status": True}
    await roomy.junction(bot["id"], folder["id"], "REMOVE")
    too_many = {"junctions": [junction(bot["id"], folder["id"])] * 1001}
    assert_error(await roomy.call("POST", JUNCTIONS, too_many), 400, "junctions")
    assert (await roomy.ok("GET", f"/v2/bots/{bot['id']}/public"))["folderIds"] == []


async def test_the_snapshot_for_an_agent_holds_exactly_what_it_sees(kb: Kb) -> None:
    bot = await kb.bot()
    billing = await kb.folder("Billing")
    refunds = await kb.folder("Refunds", billing["id"])
    hidden = await kb.folder("Hidden")
    seen = await kb.article(refunds["id"], title="Seen")
    await kb.article(hidden["id"], title="Unseen")
    await kb.junction(bot["id"], refunds["id"])
    tree = (await kb.snapshot(bot["id"]))["snapshotObjV2"]
    assert [f["id"] for f in tree] == [refunds["id"]]
    assert [a["id"] for a in tree[0]["articles"]] == [seen["id"]]
    await kb.junction(bot["id"], billing["id"])
    tree = (await kb.snapshot(bot["id"]))["snapshotObjV2"]
    assert [(f["id"], [c["id"] for c in f["children"]]) for f in tree] == [
        (billing["id"], [refunds["id"]])
    ]
    assert (await kb.snapshot(bot["id"]))["id"] != (await kb.snapshot())["id"]


async def test_an_agent_without_folders_sees_an_empty_tree(kb: Kb) -> None:
    await kb.folder()
    bot = await kb.bot()
    assert (await kb.snapshot(bot["id"]))["snapshotObjV2"] == []


async def test_snapshot_errors(kb: Kb) -> None:
    unknown = await kb.call("GET", "/v2/hc-folders/public", params={"botId": str(uuid.uuid4())})
    assert_error(unknown, 404, "bot")
    malformed = await kb.call("GET", "/v2/hc-folders/public", params={"botId": "nope"})
    assert_error(malformed, 400, "botId")
    assert_error(await kb.call("GET", f"/v2/bots/{uuid.uuid4()}/public"), 404, "bot")


async def test_generation_sees_an_agents_folders_and_the_candidate_articles(
    kb: Kb, db: Database
) -> None:
    bot = await kb.bot()
    billing = await kb.folder("Billing")
    refunds = await kb.folder("Refunds", billing["id"])
    other = await kb.folder("Other")
    live = await kb.article(refunds["id"], title="Live")
    pending = await kb.article(billing["id"], title="Pending", isDraft=True)
    elsewhere = await kb.article(other["id"], title="Elsewhere")
    merged = await kb.ok("POST", f"/v2/hc-articles/{live['id']}/draft/public")
    await kb.ok("POST", f"/v2/hc-articles/{merged['id']}/publish/public")
    await kb.junction(bot["id"], billing["id"])
    async with db.read() as session:
        workspace = await workspaces.require_workspace(session, "acme")
        visible = await agents.visible_folder_ids(session, workspace.id, uuid.UUID(bot["id"]))
        scoped = await articles.list_candidate_articles(session, workspace.id, folder_ids=visible)
        by_agent = await articles.list_candidate_articles(
            session, workspace.id, agent_id=uuid.UUID(bot["id"])
        )
        everything = await articles.list_candidate_articles(session, workspace.id)
    assert visible == {uuid.UUID(billing["id"]), uuid.UUID(refunds["id"])}
    assert {a.title for a in scoped} == {"Live", "Pending"}
    assert [a.id for a in by_agent] == [a.id for a in scoped]
    assert {str(a.id) for a in everything} == {live["id"], pending["id"], elsewhere["id"]}
