"""Every answer is recorded and listed (ext): GET /v2/bots/requests/public, newest first."""

from __future__ import annotations

from tests.answers.conftest import CANCEL, Asker
from tests.knowledge.conftest import assert_error

REQUESTS = "/v2/bots/requests/public"


async def test_every_answer_is_recorded_newest_first(asker: Asker, stranger: Asker) -> None:
    folder = await asker.folder("Billing")
    cancel = await asker.write(folder["id"], CANCEL)
    bot = await asker.bot()
    answered = await asker.ask("How do I cancel my subscription?")
    unknown = await asker.ask("What is the boiling point of mercury?", botId=bot["id"])

    page = await asker.ok("GET", REQUESTS)

    assert page["hasMore"] is False
    newest, oldest = page["requests"]
    assert newest["id"] == unknown["answer_uuid"]
    assert (newest["success"], newest["basedOn"], newest["botId"]) == (0, [], bot["id"])
    assert oldest["id"] == answered["answer_uuid"]
    assert oldest["question"] == oldest["standaloneQuestion"] == "How do I cancel my subscription?"
    assert oldest["answer"] == answered["answer"] and oldest["success"] == 1
    assert oldest["basedOn"][0]["articleId"] == cancel["id"]
    assert oldest["latencyMs"] > 0 and oldest["keyId"] and oldest["botId"] is None
    assert (await stranger.ok("GET", REQUESTS))["requests"] == []


async def test_requests_are_keyset_pages(asker: Asker, stranger: Asker) -> None:
    asked = [
        (await asker.ask(f"question number {n} about nothing"))["answer_uuid"] for n in range(3)
    ]

    first = await asker.ok("GET", REQUESTS, params={"limit": 2})
    second = await asker.ok(
        "GET", REQUESTS, params={"limit": 2, "cursor": first["requests"][-1]["id"]}
    )
    back = await asker.ok(
        "GET",
        REQUESTS,
        params={"limit": 2, "cursor": second["requests"][0]["id"], "direction": "previous"},
    )

    assert [r["id"] for r in first["requests"]] == asked[:0:-1] and first["hasMore"]
    assert [r["id"] for r in second["requests"]] == asked[:1] and not second["hasMore"]
    assert [r["id"] for r in back["requests"]] == asked[:0:-1] and not back["hasMore"]
    foreign = await asker.call(
        "GET", REQUESTS, params={"cursor": asked[0]}, headers=stranger.headers
    )
    assert_error(foreign, 400, "cursor")
