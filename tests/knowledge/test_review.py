"""Review (ext): the pending list, dismissing a draft, and the diff of two versions."""

from __future__ import annotations

import uuid

import httpx

from kbsmith.workspaces.service import Scope
from tests.conftest import Keys
from tests.knowledge.conftest import JSON, Kb, assert_error, content_body

ONE = "Customers can cancel from Billing in the dashboard."
TWO = "Refunds take ten business days."
THREE = "Annual plans are refunded pro rata."


async def listed(kb: Kb, review: str) -> list[str]:
    page = await kb.ok("GET", "/v2/hc-articles/public", params={"type": "draft", "review": review})
    return [a["id"] for a in page["articles"]]


async def fork(kb: Kb, article_id: str, **content: str) -> JSON:
    body = content_body(**content) if content else None
    draft: JSON = await kb.ok("POST", f"/v2/hc-articles/{article_id}/draft/public", body)
    return draft


async def test_pending_lists_only_what_awaits_a_reviewer(kb: Kb) -> None:
    folder = await kb.folder()
    live = await kb.article(folder["id"])
    published = await fork(kb, live["id"])
    await kb.ok("POST", f"/v2/hc-articles/{published['id']}/publish/public")
    dismissed = await fork(kb, live["id"])
    await kb.ok("POST", f"/v2/hc-articles/{dismissed['id']}/dismiss/public")
    waiting = await fork(kb, live["id"])
    standalone = await kb.article(folder["id"], isDraft=True, title="New topic")

    assert await listed(kb, "pending") == [standalone["id"], waiting["id"]]
    assert await listed(kb, "published") == [published["id"]]
    everything = await kb.ok("GET", "/v2/hc-articles/public", params={"type": "draft"})
    assert len(everything["articles"]) == 4, "without review: every draft, as before"
    bad = await kb.call("GET", "/v2/hc-articles/public", params={"review": "maybe"})
    assert_error(bad, 400, "review")


async def test_dismiss_takes_a_draft_out_of_review_once(kb: Kb) -> None:
    folder = await kb.folder()
    live = await kb.article(folder["id"])
    draft = await fork(kb, live["id"])

    dismissed = await kb.ok("POST", f"/v2/hc-articles/{draft['id']}/dismiss/public")
    assert dismissed["dismissedAt"] is not None and dismissed["isDraft"] is True
    assert draft["id"] not in await listed(kb, "pending")
    assert (await kb.one(live["id"]))["version"] == live["version"], "live is untouched"
    again = await kb.call("POST", f"/v2/hc-articles/{draft['id']}/dismiss/public")
    assert_error(again, 409, "already dismissed")
    of_live = await kb.call("POST", f"/v2/hc-articles/{live['id']}/dismiss/public")
    assert_error(of_live, 409, "is live")
    unknown = await kb.call("POST", f"/v2/hc-articles/{uuid.uuid4()}/dismiss/public")
    assert_error(unknown, 404, "not found")


async def test_a_published_draft_cannot_be_dismissed(kb: Kb) -> None:
    live = await kb.article((await kb.folder())["id"])
    draft = await fork(kb, live["id"])
    await kb.ok("POST", f"/v2/hc-articles/{draft['id']}/publish/public")
    refused = await kb.call("POST", f"/v2/hc-articles/{draft['id']}/dismiss/public")
    assert_error(refused, 409, "already published")


async def test_a_read_key_reads_the_review_but_cannot_dismiss(
    kb: Kb, client: httpx.AsyncClient, keys: Keys
) -> None:
    live = await kb.article((await kb.folder())["id"])
    draft = await fork(kb, live["id"])
    reader = Kb(client, await keys.headers("acme", Scope.READ))

    assert await listed(reader, "pending") == [draft["id"]]
    await reader.ok("GET", f"/v2/hc-articles/{draft['id']}/diff/public", params={"from": "live"})
    refused = await reader.call("POST", f"/v2/hc-articles/{draft['id']}/dismiss/public")
    assert_error(refused, 403, "write")
    assert await listed(kb, "pending") == [draft["id"]]


async def test_diff_of_two_versions_by_paragraph(kb: Kb) -> None:
    live = await kb.article((await kb.folder())["id"], mainKnowledge=f"{ONE}\n\n{TWO}")
    path = f"/v2/hc-articles/{live['id']}"
    await kb.ok("PUT", f"{path}/public", content_body(mainKnowledge=f"{ONE}\n\n{THREE}"))
    await kb.ok("PUT", f"{path}/public", content_body(mainKnowledge=f"{THREE}\n\n{ONE}x"))

    diff = await kb.ok("GET", f"{path}/diff/public", params={"from": "1", "to": "2"})
    assert diff == {
        "articleId": live["id"],
        "from": 1,
        "to": 2,
        "changes": [
            {"op": "same", "before": ONE, "after": ONE},
            {"op": "changed", "before": TWO, "after": THREE},
        ],
    }
    latest = await kb.ok("GET", f"{path}/diff/public", params={"from": "2"})
    assert latest["to"] == 3
    assert [c["op"] for c in latest["changes"]] == ["removed", "same", "added"]


async def test_diff_of_a_forked_draft_from_the_live_article(kb: Kb) -> None:
    live = await kb.article((await kb.folder())["id"], mainKnowledge=f"{ONE}\n\n{TWO}")
    draft = await fork(kb, live["id"], mainKnowledge=f"{ONE}\n\n{TWO}\n\n{THREE}")
    await kb.ok("PUT", f"/v2/hc-articles/{live['id']}/public", content_body(mainKnowledge=TWO))

    diff = await kb.ok("GET", f"/v2/hc-articles/{draft['id']}/diff/public", params={"from": "live"})
    assert diff["changes"] == [
        {"op": "added", "before": None, "after": ONE},
        {"op": "same", "before": TWO, "after": TWO},
        {"op": "added", "before": None, "after": THREE},
    ], "against the live article as it is now"


async def test_diff_refuses_what_it_cannot_compare(kb: Kb) -> None:
    live = await kb.article((await kb.folder())["id"])
    path = f"/v2/hc-articles/{live['id']}/diff/public"
    assert_error(await kb.call("GET", path, params={"from": "live"}), 400, "from=live")
    assert_error(await kb.call("GET", path, params={"from": "two"}), 400, "from")
    assert_error(await kb.call("GET", path, params={"from": "7"}), 404, "no version 7")
    assert_error(await kb.call("GET", path, params={"from": "1", "to": "0"}), 400, "to")
    assert_error(await kb.call("GET", path), 400, "from")
