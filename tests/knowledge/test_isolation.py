"""An id of another workspace answers exactly as an unknown id, on every route, and the other
workspace's data stays as it was."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.knowledge.conftest import JSON, Kb, content_body


@dataclass(frozen=True)
class World:
    mine: dict[str, str]
    """Ids of the caller's own records: folder, article, draft, bot."""
    theirs: dict[str, str]
    """The same kinds of records in another workspace."""


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any = None
    params: dict[str, str] | None = None


Probe = Callable[[World, str], Call]
"""Builds a request that uses ``id`` where another workspace's id could be passed."""

ARTICLE = "/v2/hc-articles/{}/public"

PROBES: dict[str, tuple[str, Probe]] = {
    "list in folder": (
        "folder",
        lambda w, i: Call("GET", "/v2/hc-articles/public", params={"parentFolderId": i}),
    ),
    "list from cursor": (
        "article",
        lambda w, i: Call("GET", "/v2/hc-articles/public", params={"cursor": i}),
    ),
    "get by ids": (
        "article",
        lambda w, i: Call("POST", "/v2/hc-articles/ids/public", {"articleIds": [i]}),
    ),
    "create in folder": (
        "folder",
        lambda w, i: Call("POST", "/v2/hc-articles/public", content_body(parentFolderId=i)),
    ),
    "update": ("article", lambda w, i: Call("PUT", ARTICLE.format(i), content_body())),
    "fork": ("article", lambda w, i: Call("POST", f"/v2/hc-articles/{i}/draft/public")),
    "publish": ("draft", lambda w, i: Call("POST", f"/v2/hc-articles/{i}/publish/public")),
    "delete": ("article", lambda w, i: Call("DELETE", ARTICLE.format(i))),
    "move article": (
        "article",
        lambda w, i: Call(
            "PUT", f"/v2/hc-articles/{i}/move/public", {"parentFolderId": w.mine["folder"]}
        ),
    ),
    "move into folder": (
        "folder",
        lambda w, i: Call(
            "PUT", f"/v2/hc-articles/{w.mine['article']}/move/public", {"parentFolderId": i}
        ),
    ),
    "versions": ("article", lambda w, i: Call("GET", f"/v2/hc-articles/{i}/versions/public")),
    "dismiss": ("draft", lambda w, i: Call("POST", f"/v2/hc-articles/{i}/dismiss/public")),
    "diff": (
        "article",
        lambda w, i: Call("GET", f"/v2/hc-articles/{i}/diff/public", params={"from": "1"}),
    ),
    "diff from live": (
        "draft",
        lambda w, i: Call("GET", f"/v2/hc-articles/{i}/diff/public", params={"from": "live"}),
    ),
    "snapshot of bot": (
        "bot",
        lambda w, i: Call("GET", "/v2/hc-folders/public", params={"botId": i}),
    ),
    "create folder under": (
        "folder",
        lambda w, i: Call("POST", "/v2/hc-folders/public", {"title": "x", "parentFolderId": i}),
    ),
    "update folder": (
        "folder",
        lambda w, i: Call("PUT", f"/v2/hc-folders/{i}/public", {"title": "x"}),
    ),
    "move folder": (
        "folder",
        lambda w, i: Call("PUT", f"/v2/hc-folders/{i}/move/public", {"parentFolderId": None}),
    ),
    "move folder under": (
        "folder",
        lambda w, i: Call(
            "PUT", f"/v2/hc-folders/{w.mine['folder']}/move/public", {"parentFolderId": i}
        ),
    ),
    "delete folder": (
        "folder",
        lambda w, i: Call("DELETE", f"/v2/hc-folders/{i}/public", params={"cascade": "true"}),
    ),
    "junction bot": (
        "bot",
        lambda w, i: Call(
            "POST",
            "/v2/hc-bot-folder-junctions/public",
            {"junctions": [{"botId": i, "folderId": w.mine["folder"], "action": "ADD"}]},
        ),
    ),
    "junction folder": (
        "folder",
        lambda w, i: Call(
            "POST",
            "/v2/hc-bot-folder-junctions/public",
            {"junctions": [{"botId": w.mine["bot"], "folderId": i, "action": "ADD"}]},
        ),
    ),
    "get bot": ("bot", lambda w, i: Call("GET", f"/v2/bots/{i}/public")),
}


async def populate(kb: Kb) -> dict[str, str]:
    folder = await kb.folder("Billing")
    article = await kb.article(folder["id"])
    draft = await kb.ok("POST", f"/v2/hc-articles/{article['id']}/draft/public")
    bot = await kb.bot()
    await kb.junction(bot["id"], folder["id"])
    return {
        "folder": folder["id"],
        "article": article["id"],
        "draft": draft["id"],
        "bot": bot["id"],
    }


async def everything(kb: Kb) -> JSON:
    """All a workspace holds, as its own key sees it."""
    listed = await kb.ok("GET", "/v2/hc-articles/public", params={"limit": 500})
    ids = [a["id"] for a in listed["articles"]]
    versions = [await kb.ok("GET", f"/v2/hc-articles/{i}/versions/public") for i in ids]
    return {
        "articles": listed["articles"],
        "versions": versions,
        "snapshot": await kb.snapshot(),
        "bots": await kb.ok("GET", "/v2/bots/public"),
    }


async def send(kb: Kb, call: Call) -> tuple[int, Any]:
    response = await kb.call(call.method, call.path, call.body, params=call.params)
    return response.status_code, response.json()


@pytest.mark.parametrize("probe", PROBES, ids=list(PROBES))
async def test_a_foreign_id_answers_like_an_unknown_id(kb: Kb, other: Kb, probe: str) -> None:
    world = World(mine=await populate(kb), theirs=await populate(other))
    kind, build = PROBES[probe]
    theirs_before = await everything(other)
    foreign_id, unknown_id = world.theirs[kind], str(uuid.uuid4())

    foreign_status, foreign_body = await send(kb, build(world, foreign_id))
    assert foreign_status in (200, 400, 404), foreign_body
    assert await everything(other) == theirs_before
    unknown_status, unknown_body = await send(kb, build(world, unknown_id))
    assert foreign_status == unknown_status
    if foreign_status == 200:
        assert foreign_body == unknown_body == []  # get by ids skips both
    else:
        assert foreign_body["message"].replace(foreign_id, unknown_id) == unknown_body["message"]
