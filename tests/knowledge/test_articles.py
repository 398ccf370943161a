"""Articles: create, get by ids, update, move, delete, history; validation of every field."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from kbsmith.api.schemas import wire_name
from kbsmith.errors import InvalidInput
from kbsmith.knowledge.content import MAIN_KNOWLEDGE_MAX_BYTES, ArticleContent
from kbsmith.workspaces.service import Scope
from tests.conftest import Keys
from tests.knowledge.conftest import Kb, article_body, assert_error, content_body


async def test_create_answers_the_article_with_every_field(kb: Kb) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"], origin="manual")
    assert uuid.UUID(article["id"])
    assert article | {"id": "", "createdAt": "", "updatedAt": ""} == {
        "id": "",
        "title": "Canceling your subscription",
        "mainKnowledge": "Customers can cancel from Billing in the dashboard.",
        "agentInstruction": "Use this only for self-serve web plans.",
        "questions": ["How do I cancel?"],
        "keywords": ["cancel", "billing"],
        "escalation": False,
        "parentFolderId": folder["id"],
        "active": True,
        "public": True,
        "origin": "manual",
        "isDraft": False,
        "originalArticleId": None,
        "originalArticleVersion": None,
        "isDraftPublished": False,
        "version": 1,
        "sourceIds": [],
        "generation": None,
        "dismissedAt": None,
        "createdAt": "",
        "updatedAt": "",
    }
    assert article["createdAt"].endswith("Z") and len(article["createdAt"]) == 24
    assert await kb.one(article["id"]) == article


async def test_create_a_draft(kb: Kb) -> None:
    folder = await kb.folder()
    draft = await kb.article(folder["id"], isDraft=True)
    assert draft["isDraft"] is True and draft["originalArticleId"] is None
    assert draft["isDraftPublished"] is False


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": None}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"mainKnowledge": ""}, "mainKnowledge"),
        ({"mainKnowledge": " \n "}, "mainKnowledge"),
        ({"questions": []}, "questions"),
        ({"questions": [""]}, "questions.0"),
        ({"questions": "How?"}, "questions"),
        ({"keywords": []}, "keywords"),
        ({"keywords": ["ok", "  "]}, "keywords.1"),
        ({"keywords": [f"k{i}" for i in range(101)]}, "keywords"),
        ({"escalation": "maybe"}, "escalation"),
        ({"parentFolderId": "not-a-uuid"}, "parentFolderId"),
        ({"origin": "o" * 65}, "origin"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_create_refuses_invalid_content_naming_the_field(
    kb: Kb, overrides: dict[str, Any], field: str
) -> None:
    folder = await kb.folder()
    body = {k: v for k, v in article_body(folder["id"], **overrides).items() if v is not None}
    response = await kb.call("POST", "/v2/hc-articles/public", body)
    assert_error(response, 400, field)
    assert (await kb.ok("GET", "/v2/hc-articles/public"))["articles"] == []


async def test_create_in_an_unknown_folder_is_404(kb: Kb) -> None:
    response = await kb.call("POST", "/v2/hc-articles/public", article_body(str(uuid.uuid4())))
    assert_error(response, 404, "folder")


async def test_main_knowledge_is_bounded_in_bytes(roomy: Kb) -> None:
    kb = roomy
    folder = await kb.folder()
    fits = "é" * (MAIN_KNOWLEDGE_MAX_BYTES // 2)
    assert (await kb.article(folder["id"], mainKnowledge=fits))["mainKnowledge"] == fits
    too_big = await kb.call(
        "POST", "/v2/hc-articles/public", article_body(folder["id"], mainKnowledge=fits + "x")
    )
    assert_error(too_big, 400, "mainKnowledge", "bytes")


def test_content_is_checked_for_in_process_writers_too() -> None:
    good: dict[str, Any] = {
        "title": "t",
        "main_knowledge": "m",
        "questions": ["q"],
        "keywords": ["k"],
    }
    ArticleContent(**good)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"title": " "}, "title", "title"),
        (
            {"main_knowledge": "x" * (MAIN_KNOWLEDGE_MAX_BYTES + 1)},
            "main_knowledge",
            "mainKnowledge",
        ),
        ({"questions": []}, "questions", "questions"),
        ({"keywords": ["k", ""]}, "keywords.1", "keywords.1"),
    ]
    for bad, field, wire in cases:
        with pytest.raises(InvalidInput, match=field) as refused:
            ArticleContent(**(good | bad))
        assert refused.value.fields == (field,)
        assert refused.value.worded(wire_name).startswith(wire), "the API's words"


async def test_get_by_ids_keeps_the_order_asked_and_skips_unknown_ids(kb: Kb) -> None:
    folder = await kb.folder()
    first, second, third = [await kb.article(folder["id"], title=f"A{i}") for i in range(3)]
    ids = [third["id"], str(uuid.uuid4()), first["id"], third["id"]]
    found = await kb.by_ids(*ids)
    assert [a["id"] for a in found] == [third["id"], first["id"]]
    assert second not in found


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "articleIds"),
        ({"articleIds": []}, "articleIds"),
        ({"articleIds": ["nope"]}, "articleIds.0"),
    ],
)
async def test_get_by_ids_refuses_bad_bodies(kb: Kb, body: dict[str, Any], field: str) -> None:
    assert_error(await kb.call("POST", "/v2/hc-articles/ids/public", body), 400, field)


async def test_get_by_ids_takes_a_thousand_ids_at_most(roomy: Kb) -> None:
    folder = await roomy.folder()
    article = await roomy.article(folder["id"])
    ids = [str(uuid.uuid4()) for _ in range(999)] + [article["id"]]
    assert await roomy.by_ids(*ids) == [article]
    too_many = await roomy.call(
        "POST", "/v2/hc-articles/ids/public", {"articleIds": [*ids, ids[0]]}
    )
    assert_error(too_many, 400, "articleIds")


async def test_update_replaces_the_content_and_bumps_the_version(kb: Kb) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"], origin="manual")
    path = f"/v2/hc-articles/{article['id']}/public"
    body = content_body(
        title="Refunds",
        mainKnowledge="Refunds take 5 days.",
        questions=["When is my refund?"],
        keywords=["refund"],
        escalation=True,
        active=False,
        public=False,
    )
    del body["agentInstruction"]
    updated = await kb.ok("PUT", path, body)
    assert updated["version"] == 2
    assert updated["title"] == "Refunds" and updated["agentInstruction"] == ""
    assert (updated["escalation"], updated["active"], updated["public"]) == (True, False, False)
    assert updated["origin"] == "manual" and updated["parentFolderId"] == folder["id"]
    assert updated["updatedAt"] >= article["updatedAt"]
    kept = await kb.ok("PUT", path, content_body())
    assert (kept["version"], kept["active"], kept["public"]) == (3, False, False)
    assert await kb.one(article["id"]) == kept


async def test_update_errors(kb: Kb) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"])
    path = f"/v2/hc-articles/{article['id']}/public"
    unknown = await kb.call("PUT", f"/v2/hc-articles/{uuid.uuid4()}/public", content_body())
    assert_error(unknown, 404, "article")
    assert_error(await kb.call("PUT", path, content_body(questions=[])), 400, "questions")
    undocumented = content_body(folderId=folder["id"])
    assert_error(await kb.call("PUT", path, undocumented), 400, "folderId")
    assert_error(await kb.call("PUT", "/v2/hc-articles/x/public", content_body()), 400, "id")
    assert (await kb.one(article["id"]))["version"] == 1


async def test_versions_keep_every_content_with_who_and_when(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    alice = Kb(client, await keys.headers("acme"))
    bob = Kb(client, await keys.headers("acme"))
    folder = await alice.folder()
    article = await alice.article(folder["id"], title="One")
    path = f"/v2/hc-articles/{article['id']}/public"
    await bob.ok("PUT", path, content_body(title="Two"))
    await alice.ok("PUT", path, content_body(title="Three", keywords=["three"]))
    history = await bob.ok("GET", f"/v2/hc-articles/{article['id']}/versions/public")
    assert history["articleId"] == article["id"]
    versions = history["versions"]
    assert [(v["version"], v["title"], v["change"]) for v in versions] == [
        (3, "Three", "update"),
        (2, "Two", "update"),
        (1, "One", "create"),
    ]
    assert versions[0]["keywords"] == ["three"] and versions[1]["keywords"] == ["cancel", "billing"]
    authors = [v["authorKeyId"] for v in versions]
    assert authors[0] == authors[2] != authors[1] and None not in authors
    assert all(v["createdAt"].endswith("Z") for v in versions)
    unknown = await alice.call("GET", f"/v2/hc-articles/{uuid.uuid4()}/versions/public")
    assert_error(unknown, 404, "article")


async def test_move_changes_only_the_folder(kb: Kb) -> None:
    billing, refunds = await kb.folder("Billing"), await kb.folder("Refunds")
    article = await kb.article(billing["id"])
    path = f"/v2/hc-articles/{article['id']}/move/public"
    moved = await kb.ok("PUT", path, {"parentFolderId": refunds["id"]})
    assert moved["parentFolderId"] == refunds["id"] and moved["version"] == 1
    listed = await kb.ok("GET", "/v2/hc-articles/public", params={"parentFolderId": refunds["id"]})
    assert [a["id"] for a in listed["articles"]] == [article["id"]]
    to_nowhere = await kb.call("PUT", path, {"parentFolderId": str(uuid.uuid4())})
    assert_error(to_nowhere, 404, "folder")
    nothing = await kb.call(
        "PUT", f"/v2/hc-articles/{uuid.uuid4()}/move/public", {"parentFolderId": refunds["id"]}
    )
    assert_error(nothing, 404, "article")
    assert_error(await kb.call("PUT", path, {}), 400, "parentFolderId")


async def test_delete_answers_the_article_and_removes_it_with_its_history(kb: Kb) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"])
    deleted = await kb.ok("DELETE", f"/v2/hc-articles/{article['id']}/public")
    assert deleted == article
    assert await kb.by_ids(article["id"]) == []
    again = await kb.call("DELETE", f"/v2/hc-articles/{article['id']}/public")
    assert_error(again, 404, "article")
    versions = await kb.call("GET", f"/v2/hc-articles/{article['id']}/versions/public")
    assert_error(versions, 404)


async def test_read_routes_need_read_and_write_routes_need_write(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    writer = Kb(client, await keys.headers("acme", Scope.WRITE))
    reader = Kb(client, await keys.headers("acme", Scope.READ))
    folder = await writer.folder()
    article = await writer.article(folder["id"])
    assert_error(await writer.call("GET", "/v2/hc-articles/public"), 403, "read")
    refused = await reader.call("PUT", f"/v2/hc-articles/{article['id']}/public", content_body())
    assert_error(refused, 403, "write")
    assert_error(await client.get("/v2/hc-articles/public"), 401)
