"""Wire tolerance: update, draft and publish take Fini's create body as it is, and what its
``parentFolderId``, ``origin`` and ``isDraft`` mean on each of them."""

from __future__ import annotations

import uuid

import pytest

from tests.knowledge.conftest import JSON, Kb, article_body, assert_error
from tests.knowledge.test_drafts import fork, publish

UNKNOWN_FOLDER = str(uuid.UUID(int=7))


def create_body(folder_id: str, **overrides: object) -> JSON:
    """Every field Fini documents for create."""
    documented = {"active": True, "public": True, "origin": "manual", "isDraft": False}
    return article_body(folder_id, **(documented | overrides))


def path(article_id: str, action: str = "") -> str:
    """The article's route: update (``""``), ``"draft/"`` or ``"publish/"``."""
    return f"/v2/hc-articles/{article_id}/{action}public"


async def test_update_moves_the_article_only_when_the_folder_differs(kb: Kb) -> None:
    billing, refunds = await kb.folder("Billing"), await kb.folder("Refunds")
    article = await kb.article(billing["id"])
    same = await kb.ok("PUT", path(article["id"]), create_body(billing["id"], title="V2"))
    assert (same["parentFolderId"], same["version"], same["title"]) == (billing["id"], 2, "V2")
    moved = await kb.ok("PUT", path(article["id"]), create_body(refunds["id"], title="V3"))
    assert (moved["parentFolderId"], moved["version"], moved["title"]) == (refunds["id"], 3, "V3")
    listed = await kb.ok("GET", "/v2/hc-articles/public", params={"parentFolderId": refunds["id"]})
    assert [a["id"] for a in listed["articles"]] == [article["id"]]


async def test_update_into_an_unknown_or_foreign_folder_is_a_404_and_changes_nothing(
    kb: Kb, other: Kb
) -> None:
    billing = await kb.folder()
    foreign = await other.folder("Theirs")
    article = await kb.article(billing["id"])
    for folder_id in (UNKNOWN_FOLDER, foreign["id"]):
        answer = await kb.call("PUT", path(article["id"]), create_body(folder_id, title="V2"))
        assert_error(answer, 404, folder_id)
    assert await kb.one(article["id"]) == article


async def test_update_records_origin_and_ignores_is_draft(kb: Kb) -> None:
    folder = await kb.folder()
    live = await kb.article(folder["id"], origin="manual")
    draft = await kb.article(folder["id"], title="Draft", isDraft=True)
    body = create_body(folder["id"], origin="import", isDraft=True)
    updated_live = await kb.ok("PUT", path(live["id"]), body)
    assert (updated_live["origin"], updated_live["isDraft"]) == ("import", False)
    updated_draft = await kb.ok("PUT", path(draft["id"]), body | {"isDraft": False})
    assert (updated_draft["origin"], updated_draft["isDraft"]) == ("import", True)


async def test_a_draft_stays_in_its_originals_folder_whatever_folder_is_sent(kb: Kb) -> None:
    billing, refunds = await kb.folder("Billing"), await kb.folder("Refunds")
    original = await kb.article(billing["id"])
    draft = await fork(kb, original["id"], create_body(refunds["id"], title="Proposed"))
    assert (draft["parentFolderId"], draft["isDraft"], draft["title"]) == (
        billing["id"],
        True,
        "Proposed",
    )
    assert draft["originalArticleId"] == original["id"] and draft["origin"] == "manual"


async def test_a_draft_with_an_unknown_folder_is_a_404_and_creates_nothing(kb: Kb) -> None:
    folder = await kb.folder()
    original = await kb.article(folder["id"])
    answer = await kb.call("POST", path(original["id"], "draft/"), create_body(UNKNOWN_FOLDER))
    assert_error(answer, 404, UNKNOWN_FOLDER)
    drafts = await kb.ok("GET", "/v2/hc-articles/public", params={"type": "draft"})
    assert drafts["articles"] == []


async def test_publishing_a_created_draft_places_it_in_the_folder_sent(kb: Kb) -> None:
    billing, refunds = await kb.folder("Billing"), await kb.folder("Refunds")
    draft = await kb.article(billing["id"], isDraft=True)
    live = await publish(kb, draft["id"], create_body(refunds["id"], isDraft=True))
    assert (live["id"], live["isDraft"], live["parentFolderId"]) == (
        draft["id"],
        False,
        refunds["id"],
    )


async def test_publishing_a_fork_merges_in_place_whatever_folder_is_sent(kb: Kb) -> None:
    billing, refunds = await kb.folder("Billing"), await kb.folder("Refunds")
    original = await kb.article(billing["id"])
    draft = await fork(kb, original["id"])
    live = await publish(kb, draft["id"], create_body(refunds["id"], title="Reviewed"))
    assert (live["id"], live["parentFolderId"], live["title"]) == (
        original["id"],
        billing["id"],
        "Reviewed",
    )
    assert (await kb.one(draft["id"]))["isDraftPublished"] is True


@pytest.mark.parametrize("forked", [False, True])
async def test_publishing_with_an_unknown_folder_is_a_404_and_publishes_nothing(
    kb: Kb, forked: bool
) -> None:
    folder = await kb.folder()
    if forked:
        draft = await fork(kb, (await kb.article(folder["id"]))["id"])
    else:
        draft = await kb.article(folder["id"], isDraft=True)
    answer = await kb.call("POST", path(draft["id"], "publish/"), create_body(UNKNOWN_FOLDER))
    assert_error(answer, 404, UNKNOWN_FOLDER)
    assert await kb.one(draft["id"]) == draft


@pytest.mark.parametrize("action", ["", "draft/", "publish/"])
async def test_the_create_body_is_taken_but_a_field_no_fini_route_documents_is_not(
    kb: Kb, action: str
) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"], isDraft=action == "publish/")
    method = "PUT" if action == "" else "POST"
    undocumented = create_body(folder["id"], folderId=folder["id"])
    assert_error(await kb.call(method, path(article["id"], action), undocumented), 400, "folderId")
    assert await kb.one(article["id"]) == article
    await kb.ok(method, path(article["id"], action), create_body(folder["id"]))
