"""Folders: create, update, move (no cycles, bounded depth), delete (cascade), the snapshot."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kbsmith.db.database import Database
from kbsmith.knowledge import folders
from kbsmith.knowledge.folders import MAX_FOLDER_DEPTH
from kbsmith.workspaces import service as workspaces
from tests.knowledge.conftest import JSON, Kb, assert_error

FOLDERS = "/v2/hc-folders/public"


def folder_path(folder_id: str, action: str = "") -> str:
    return f"/v2/hc-folders/{folder_id}/{action + '/' if action else ''}public"


async def chain(kb: Kb, depth: int) -> list[JSON]:
    """depth folders, each inside the one before."""
    made: list[JSON] = []
    for level in range(depth):
        made.append(await kb.folder(f"L{level}", made[-1]["id"] if made else None))
    return made


async def test_create_at_the_top_and_inside_another(kb: Kb) -> None:
    top = await kb.folder("Billing", description="Money matters")
    assert top | {"id": "", "createdAt": "", "updatedAt": ""} == {
        "id": "",
        "title": "Billing",
        "description": "Money matters",
        "active": True,
        "parentFolderId": None,
        "createdAt": "",
        "updatedAt": "",
    }
    inner = await kb.folder("Refunds", top["id"], active=False)
    assert (inner["parentFolderId"], inner["active"]) == (top["id"], False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": " "}, "title"),
        ({"title": "t" * 501}, "title"),
        ({"title": "ok", "description": "d" * 5001}, "description"),
        ({"title": "ok", "parentFolderId": "x"}, "parentFolderId"),
        ({"title": "ok", "color": "red"}, "color"),
    ],
)
async def test_create_refuses_bad_bodies(kb: Kb, body: dict[str, Any], field: str) -> None:
    assert_error(await kb.call("POST", FOLDERS, body), 400, field)


async def test_create_under_an_unknown_parent_is_404(kb: Kb) -> None:
    response = await kb.call("POST", FOLDERS, {"title": "x", "parentFolderId": str(uuid.uuid4())})
    assert_error(response, 404, "folder")
    assert (await kb.snapshot())["snapshotObjV2"] == []


async def test_update_changes_only_the_fields_given(kb: Kb) -> None:
    folder = await kb.folder("Billing", description="Money")
    renamed = await kb.ok("PUT", folder_path(folder["id"]), {"title": "Payments"})
    assert (renamed["title"], renamed["description"], renamed["active"]) == (
        "Payments",
        "Money",
        True,
    )
    off = await kb.ok("PUT", folder_path(folder["id"]), {"active": False, "description": ""})
    assert (off["title"], off["description"], off["active"]) == ("Payments", "", False)
    assert_error(await kb.call("PUT", folder_path(folder["id"]), {"title": ""}), 400, "title")
    unknown = await kb.call("PUT", folder_path(str(uuid.uuid4())), {"title": "x"})
    assert_error(unknown, 404, "folder")


async def test_move_under_another_folder_and_back_to_the_top(kb: Kb) -> None:
    billing, refunds = await kb.folder("Billing"), await kb.folder("Refunds")
    inner = await kb.folder("Inner", refunds["id"])
    moved = await kb.ok(
        "PUT", folder_path(refunds["id"], "move"), {"parentFolderId": billing["id"]}
    )
    assert moved["parentFolderId"] == billing["id"]
    tree = (await kb.snapshot())["snapshotObjV2"]
    assert [(f["title"], [c["title"] for c in f["children"]]) for f in tree] == [
        ("Billing", ["Refunds"])
    ]
    assert tree[0]["children"][0]["children"][0]["id"] == inner["id"]
    top = await kb.ok("PUT", folder_path(refunds["id"], "move"), {"parentFolderId": None})
    assert top["parentFolderId"] is None
    assert [f["title"] for f in (await kb.snapshot())["snapshotObjV2"]] == ["Billing", "Refunds"]


async def test_moves_that_would_make_a_cycle_are_406(kb: Kb) -> None:
    levels = await chain(kb, 3)
    top, bottom = levels[0]["id"], levels[-1]["id"]
    for target in (top, levels[1]["id"], bottom):
        response = await kb.call("PUT", folder_path(top, "move"), {"parentFolderId": target})
        assert_error(response, 406, "contain itself")
    before = await kb.snapshot()
    assert before["snapshotObjV2"][0]["id"] == top and len(before["snapshotObjV2"]) == 1


async def test_move_errors(kb: Kb) -> None:
    folder = await kb.folder()
    unknown_target = await kb.call(
        "PUT", folder_path(folder["id"], "move"), {"parentFolderId": str(uuid.uuid4())}
    )
    assert_error(unknown_target, 404, "folder")
    unknown = await kb.call("PUT", folder_path(str(uuid.uuid4()), "move"), {"parentFolderId": None})
    assert_error(unknown, 404, "folder")
    assert_error(await kb.call("PUT", folder_path(folder["id"], "move"), {}), 400, "parentFolderId")


async def test_a_tree_fifty_levels_deep(kb: Kb) -> None:
    levels = await chain(kb, 50)
    article = await kb.article(levels[-1]["id"], title="Deep down")
    node = (await kb.snapshot())["snapshotObjV2"][0]
    for level in levels[1:]:
        (node,) = node["children"]
        assert node["id"] == level["id"]
    assert node["articles"] == [
        {"id": article["id"], "title": "Deep down", "isDraft": False, "active": True}
    ]
    cycle = await kb.call(
        "PUT", folder_path(levels[0]["id"], "move"), {"parentFolderId": levels[-1]["id"]}
    )
    assert_error(cycle, 406)
    deleted = await kb.ok("DELETE", folder_path(levels[0]["id"]), params={"cascade": "true"})
    assert {f["id"] for f in deleted["deletedFolders"]} == {f["id"] for f in levels}
    assert [a["id"] for a in deleted["deletedArticles"]] == [article["id"]]
    assert (await kb.snapshot())["snapshotObjV2"] == []


async def build_chain(db: Database, workspace: str, depth: int) -> list[uuid.UUID]:
    """A deep chain through the service: quicker than one request per level."""
    async with db.write() as session:
        owner = await workspaces.get_or_create_workspace(session, workspace)
        made: list[uuid.UUID] = []
        for level in range(depth):
            parent = made[-1] if made else None
            folder = await folders.create_folder(
                session, owner.id, f"L{level}", parent_folder_id=parent
            )
            made.append(folder.id)
    return made


async def test_the_tree_depth_is_bounded(kb: Kb, db: Database) -> None:
    deepest = await build_chain(db, "acme", MAX_FOLDER_DEPTH)
    too_deep = await kb.call("POST", FOLDERS, {"title": "x", "parentFolderId": str(deepest[-1])})
    assert_error(too_deep, 406, str(MAX_FOLDER_DEPTH))
    other = await build_chain(db, "acme", 2)
    onto_the_bottom = await kb.call(
        "PUT", folder_path(str(other[0]), "move"), {"parentFolderId": str(deepest[-2])}
    )
    assert_error(onto_the_bottom, 406, "deeper")
    fits = await kb.ok(
        "PUT", folder_path(str(other[1]), "move"), {"parentFolderId": str(deepest[-2])}
    )
    assert fits["parentFolderId"] == str(deepest[-2])


async def test_delete_an_empty_folder(kb: Kb) -> None:
    folder = await kb.folder("Empty")
    deleted = await kb.ok("DELETE", folder_path(folder["id"]))
    assert deleted == {
        "deletedFolders": [{"id": folder["id"], "title": "Empty", "parentFolderId": None}],
        "deletedArticles": [],
    }
    assert_error(await kb.call("DELETE", folder_path(folder["id"])), 404, "folder")


async def test_a_folder_that_holds_something_is_kept_without_cascade(kb: Kb) -> None:
    with_article, with_folder = await kb.folder("A"), await kb.folder("B")
    article = await kb.article(with_article["id"])
    await kb.folder("Inner", with_folder["id"])
    before = await kb.snapshot()
    for folder in (with_article, with_folder):
        response = await kb.call("DELETE", folder_path(folder["id"]))
        assert_error(response, 409, "cascade=true")
        explicit = await kb.call("DELETE", folder_path(folder["id"]), params={"cascade": "false"})
        assert_error(explicit, 409)
    assert await kb.snapshot() == before
    assert await kb.by_ids(article["id"]) != []


async def test_cascade_deletes_the_subtree_with_its_articles_and_assignments(kb: Kb) -> None:
    top = await kb.folder("Top")
    inner = await kb.folder("Inner", top["id"])
    keep = await kb.folder("Keep")
    doomed = [await kb.article(top["id"]), await kb.article(inner["id"], isDraft=True)]
    kept = await kb.article(keep["id"])
    bot = await kb.bot()
    await kb.junction(bot["id"], inner["id"])
    deleted = await kb.ok("DELETE", folder_path(top["id"]), params={"cascade": "true"})
    assert sorted(f["id"] for f in deleted["deletedFolders"]) == sorted([top["id"], inner["id"]])
    assert sorted(a["id"] for a in deleted["deletedArticles"]) == sorted(a["id"] for a in doomed)
    assert await kb.by_ids(*(a["id"] for a in doomed), kept["id"]) == [kept]
    assert (await kb.ok("GET", f"/v2/bots/{bot['id']}/public"))["folderIds"] == []
    assert [f["id"] for f in (await kb.snapshot())["snapshotObjV2"]] == [keep["id"]]


async def test_snapshot_nests_folders_with_their_live_articles_and_pending_drafts(kb: Kb) -> None:
    billing = await kb.folder("Billing", description="Money")
    refunds = await kb.folder("Refunds", billing["id"])
    live = await kb.article(refunds["id"], title="Refund times", active=False)
    draft = await kb.article(refunds["id"], title="A draft", isDraft=True)
    forked = await kb.ok("POST", f"/v2/hc-articles/{live['id']}/draft/public")
    await kb.ok("POST", f"/v2/hc-articles/{forked['id']}/publish/public")
    snapshot = await kb.snapshot()
    assert set(snapshot) == {"id", "createdAt", "updatedAt", "snapshotObjV2"}
    assert snapshot["updatedAt"] >= snapshot["createdAt"]
    assert snapshot["snapshotObjV2"] == [
        {
            "id": billing["id"],
            "title": "Billing",
            "description": "Money",
            "active": True,
            "parentFolderId": None,
            "articles": [],
            "children": [
                {
                    "id": refunds["id"],
                    "title": "Refunds",
                    "description": "",
                    "active": True,
                    "parentFolderId": billing["id"],
                    "articles": [
                        {"id": draft["id"], "title": "A draft", "isDraft": True, "active": True},
                        {
                            "id": live["id"],
                            "title": "Refund times",
                            "isDraft": False,
                            "active": False,
                        },
                    ],
                    "children": [],
                }
            ],
        }
    ]
    assert (await kb.snapshot())["id"] == snapshot["id"]


async def test_an_empty_workspace_has_an_empty_snapshot(kb: Kb) -> None:
    snapshot = await kb.snapshot()
    assert snapshot["snapshotObjV2"] == [] and uuid.UUID(snapshot["id"])
