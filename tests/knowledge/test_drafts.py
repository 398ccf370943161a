"""Drafts: forking a live article, publishing both kinds of draft, and what cannot publish."""

from __future__ import annotations

import uuid

from tests.knowledge.conftest import JSON, Kb, assert_error, content_body


async def fork(kb: Kb, article_id: str, body: JSON | None = None) -> JSON:
    draft: JSON = await kb.ok("POST", f"/v2/hc-articles/{article_id}/draft/public", body)
    return draft


async def publish(kb: Kb, article_id: str, body: JSON | None = None) -> JSON:
    live: JSON = await kb.ok("POST", f"/v2/hc-articles/{article_id}/publish/public", body)
    return live


async def test_fork_copies_a_live_article_into_a_draft(kb: Kb) -> None:
    folder = await kb.folder()
    original = await kb.article(folder["id"], origin="manual")
    await kb.ok("PUT", f"/v2/hc-articles/{original['id']}/public", content_body(title="V2"))
    draft = await fork(kb, original["id"])
    assert draft["id"] != original["id"]
    assert (draft["isDraft"], draft["isDraftPublished"], draft["version"]) == (True, False, 1)
    assert (draft["originalArticleId"], draft["originalArticleVersion"]) == (original["id"], 2)
    assert (draft["title"], draft["parentFolderId"], draft["origin"]) == (
        "V2",
        folder["id"],
        "manual",
    )


async def test_fork_with_content_uses_the_body(kb: Kb) -> None:
    folder = await kb.folder()
    original = await kb.article(folder["id"])
    draft = await fork(kb, original["id"], content_body(title="Proposed", origin="inbox"))
    assert (draft["title"], draft["origin"]) == ("Proposed", "inbox")
    assert (await kb.one(original["id"]))["title"] == original["title"]


async def test_fork_errors(kb: Kb) -> None:
    folder = await kb.folder()
    draft = await kb.article(folder["id"], isDraft=True)
    unknown = await kb.call("POST", f"/v2/hc-articles/{uuid.uuid4()}/draft/public")
    assert_error(unknown, 404, "article")  # the contract answers null here; we answer 404
    of_a_draft = await kb.call("POST", f"/v2/hc-articles/{draft['id']}/draft/public")
    assert_error(of_a_draft, 409, "draft")
    original = await kb.article(folder["id"])
    bad = await kb.call(
        "POST", f"/v2/hc-articles/{original['id']}/draft/public", content_body(keywords=[])
    )
    assert_error(bad, 400, "keywords")
    listed = await kb.ok("GET", "/v2/hc-articles/public", params={"type": "draft"})
    assert [a["id"] for a in listed["articles"]] == [draft["id"]]


async def test_publishing_a_fork_merges_it_into_its_original(kb: Kb) -> None:
    folder = await kb.folder()
    original = await kb.article(folder["id"])
    draft = await fork(kb, original["id"], content_body(title="Reviewed", keywords=["new"]))
    live = await publish(kb, draft["id"])
    assert live["id"] == original["id"] and live["isDraft"] is False
    assert (live["version"], live["title"], live["keywords"]) == (2, "Reviewed", ["new"])
    merged = await kb.one(draft["id"])
    assert (merged["isDraft"], merged["isDraftPublished"]) == (True, True)
    history = await kb.ok("GET", f"/v2/hc-articles/{original['id']}/versions/public")
    newest = history["versions"][0]
    assert (newest["version"], newest["change"], newest["fromArticleId"]) == (
        2,
        "publish",
        draft["id"],
    )
    snapshot = await kb.snapshot()
    assert [a["id"] for a in snapshot["snapshotObjV2"][0]["articles"]] == [original["id"]]


async def test_publish_with_content_publishes_the_body(kb: Kb) -> None:
    folder = await kb.folder()
    original = await kb.article(folder["id"])
    draft = await fork(kb, original["id"])
    live = await publish(kb, draft["id"], content_body(title="Edited at publish"))
    assert (live["id"], live["title"], live["version"]) == (original["id"], "Edited at publish", 2)


async def test_publishing_a_new_draft_makes_that_record_live(kb: Kb) -> None:
    folder = await kb.folder()
    draft = await kb.article(folder["id"], isDraft=True)
    live = await publish(kb, draft["id"])
    assert live["id"] == draft["id"]
    assert (live["isDraft"], live["isDraftPublished"], live["version"]) == (False, False, 2)
    listed = await kb.ok("GET", "/v2/hc-articles/public", params={"type": "live"})
    assert [a["id"] for a in listed["articles"]] == [draft["id"]]


async def test_publishing_twice_is_409_and_changes_nothing(kb: Kb) -> None:
    folder = await kb.folder()
    original = await kb.article(folder["id"])
    draft = await fork(kb, original["id"])
    await publish(kb, draft["id"])
    again = await kb.call("POST", f"/v2/hc-articles/{draft['id']}/publish/public")
    assert_error(again, 409, "already published")
    assert (await kb.one(original["id"]))["version"] == 2
    new_draft = await kb.article(folder["id"], isDraft=True)
    await publish(kb, new_draft["id"])
    live_again = await kb.call("POST", f"/v2/hc-articles/{new_draft['id']}/publish/public")
    assert_error(live_again, 409, "not a draft")
    assert (await kb.one(new_draft["id"]))["version"] == 2


async def test_a_published_draft_can_no_longer_change(kb: Kb) -> None:
    folder = await kb.folder()
    original = await kb.article(folder["id"])
    draft = await fork(kb, original["id"])
    await publish(kb, draft["id"])
    edit = await kb.call("PUT", f"/v2/hc-articles/{draft['id']}/public", content_body())
    assert_error(edit, 409, "already published")


async def test_publishing_a_fork_whose_original_was_deleted_is_409_and_writes_nothing(
    kb: Kb,
) -> None:
    folder = await kb.folder()
    original = await kb.article(folder["id"])
    draft = await fork(kb, original["id"])
    await kb.ok("DELETE", f"/v2/hc-articles/{original['id']}/public")
    before = await kb.ok("GET", "/v2/hc-articles/public")
    refused = await kb.call("POST", f"/v2/hc-articles/{draft['id']}/publish/public")
    assert_error(refused, 409, "was deleted", original["id"])
    assert await kb.ok("GET", "/v2/hc-articles/public") == before
    assert await kb.one(draft["id"]) == draft


async def test_publish_errors(kb: Kb) -> None:
    folder = await kb.folder()
    draft = await kb.article(folder["id"], isDraft=True)
    unknown = await kb.call("POST", f"/v2/hc-articles/{uuid.uuid4()}/publish/public")
    assert_error(unknown, 404, "article")
    bad = await kb.call(
        "POST", f"/v2/hc-articles/{draft['id']}/publish/public", content_body(title="")
    )
    assert_error(bad, 400, "title")
    assert (await kb.one(draft["id"]))["isDraft"] is True
