"""Answers come from live, active knowledge the moment a write commits, cite it, stay inside
the workspace and the agent's folders, and say "I don't know" rather than make one up."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kbsmith.workspaces.service import Scope
from tests.answers.conftest import ANDROID, ASK, CANCEL, INVOICES, IOS, Asker
from tests.conftest import Keys
from tests.knowledge.conftest import JSON, assert_error, content_body

ANSWER_FIELDS = {"answer", "answer_uuid", "based_on", "categories", "messages", "success"}
BASED_ON_FIELDS = {"answer", "score", "source_id", "source_type", "articleId", "title", "snippet"}


async def test_the_answer_quotes_and_cites_the_article_that_answers(asker: Asker) -> None:
    folder = await asker.folder("Billing")
    cancel = await asker.write(folder["id"], CANCEL)
    await asker.write(folder["id"], INVOICES)

    answer = await asker.ask("How can I cancel my subscription?")

    assert set(answer) == ANSWER_FIELDS
    assert answer["success"] == 1
    assert "Cancel plan" in answer["answer"] and CANCEL["title"] in answer["answer"]
    first = answer["based_on"][0]
    assert set(first) == BASED_ON_FIELDS
    assert first["source_id"] == first["articleId"] == cancel["id"]
    assert first["source_type"] == "hc_article"
    assert first["title"] == CANCEL["title"]
    assert "Cancel plan" in first["answer"] and "Cancel plan" in first["snippet"]
    scores = [entry["score"] for entry in answer["based_on"]]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores), scores  # the answer model's probability
    assert len({e["articleId"] for e in answer["based_on"]}) == len(answer["based_on"])
    assert answer["messages"] == [
        {"role": "user", "content": "How can I cancel my subscription?"},
        {"role": "assistant", "content": answer["answer"]},
    ]


async def test_nothing_relevant_is_a_plain_no_with_nothing_cited(asker: Asker) -> None:
    folder = await asker.folder("Billing")
    await asker.write(folder["id"], CANCEL)
    await asker.write(folder["id"], INVOICES)

    answer = await asker.ask("What is the boiling point of mercury on Mars?")

    assert answer["success"] == 0
    assert answer["based_on"] == []
    assert "don't know" in answer["answer"]


async def test_a_draft_is_answerable_the_moment_it_is_published(asker: Asker) -> None:
    folder = await asker.folder("Billing")
    draft = await asker.write(folder["id"], CANCEL, isDraft=True)
    assert (await asker.ask("How do I cancel my subscription?"))["success"] == 0

    await asker.ok("POST", f"/v2/hc-articles/{draft['id']}/publish/public")

    assert await asker.cited("How do I cancel my subscription?") == [draft["id"]]


async def test_a_published_fork_answers_with_its_new_content(asker: Asker) -> None:
    folder = await asker.folder("Billing")
    live = await asker.write(folder["id"], CANCEL)
    changed = CANCEL | {"mainKnowledge": "Write to billing@acme.test and we cancel your plan."}
    fork = await asker.ok("POST", f"/v2/hc-articles/{live['id']}/draft/public", changed)
    before = await asker.ask("How do I cancel my subscription?")
    assert "Cancel plan" in before["answer"]

    await asker.ok("POST", f"/v2/hc-articles/{fork['id']}/publish/public")

    after = await asker.ask("How do I cancel my subscription?")
    assert "billing@acme.test" in after["answer"]
    assert [e["articleId"] for e in after["based_on"]] == [live["id"]]


async def test_a_deleted_article_is_gone_at_once(asker: Asker) -> None:
    folder = await asker.folder("Billing")
    cancel = await asker.write(folder["id"], CANCEL)
    assert await asker.cited("How do I cancel my subscription?") == [cancel["id"]]

    await asker.ok("DELETE", f"/v2/hc-articles/{cancel['id']}/public")

    answer = await asker.ask("How do I cancel my subscription?")
    assert (answer["success"], answer["based_on"]) == (0, [])


async def test_a_deleted_folder_takes_its_articles_answers_with_it(asker: Asker) -> None:
    folder = await asker.folder("Billing")
    await asker.write(folder["id"], CANCEL)

    await asker.ok("DELETE", f"/v2/hc-folders/{folder['id']}/public", params={"cascade": "true"})

    assert (await asker.ask("How do I cancel my subscription?"))["success"] == 0


async def test_a_deactivated_article_is_gone_and_returns_when_reactivated(asker: Asker) -> None:
    folder = await asker.folder("Billing")
    cancel = await asker.write(folder["id"], CANCEL)
    path = f"/v2/hc-articles/{cancel['id']}/public"

    await asker.ok("PUT", path, content_body(**CANCEL, active=False))
    assert (await asker.ask("How do I cancel my subscription?"))["success"] == 0

    await asker.ok("PUT", path, content_body(**CANCEL, active=True))
    assert await asker.cited("How do I cancel my subscription?") == [cancel["id"]]


async def test_an_agent_answers_only_from_its_folders_and_their_subfolders(asker: Asker) -> None:
    assigned = await asker.folder("Apps")
    below = await asker.folder("Android", parent=assigned["id"])
    elsewhere = await asker.folder("Billing")
    android = await asker.write(below["id"], ANDROID)
    cancel = await asker.write(elsewhere["id"], CANCEL)
    bot = await asker.bot()
    await asker.junction(bot["id"], assigned["id"])

    assert await asker.cited("How do I reset my password on Android?", botId=bot["id"]) == [
        android["id"]
    ]
    refused = await asker.ask("How do I cancel my subscription?", botId=bot["id"])
    assert (refused["success"], refused["based_on"]) == (0, [])
    assert await asker.cited("How do I cancel my subscription?") == [cancel["id"]]

    await asker.ok(
        "PUT", f"/v2/hc-articles/{cancel['id']}/move/public", {"parentFolderId": below["id"]}
    )
    assert await asker.cited("How do I cancel my subscription?", botId=bot["id"]) == [cancel["id"]]


async def test_an_unknown_or_foreign_agent_is_a_404(asker: Asker, stranger: Asker) -> None:
    theirs = await stranger.bot()
    for bot_id in (theirs["id"], "00000000-0000-4000-8000-000000000000"):
        response = await asker.call("POST", ASK, {"question": "cancel?", "botId": bot_id})
        assert_error(response, 404, bot_id)


async def test_another_workspaces_articles_are_never_cited(asker: Asker, stranger: Asker) -> None:
    await stranger.write((await stranger.folder("Billing"))["id"], CANCEL)
    mine = await asker.write((await asker.folder("Billing"))["id"], INVOICES)

    assert (await asker.ask("How do I cancel my subscription?"))["success"] == 0
    assert await asker.cited("Where can I download my invoices?") == [mine["id"]]
    assert (await stranger.ask("Where can I download my invoices?"))["success"] == 0


async def test_a_follow_up_is_answered_with_the_previous_question(asker: Asker) -> None:
    folder = await asker.folder("Apps")
    await asker.write(folder["id"], IOS)
    android = await asker.write(folder["id"], ANDROID)
    first = await asker.ask("How do I reset my password on iOS?")
    history = first["messages"]

    answer = await asker.ask("and for Android?", messageHistory=history)

    assert answer["success"] == 1
    assert answer["based_on"][0]["articleId"] == android["id"]
    assert "Forgot password" in answer["answer"]
    assert answer["messages"] == [
        *history,
        {"role": "user", "content": "and for Android?"},
        {"role": "assistant", "content": answer["answer"]},
    ]


async def test_stream_sends_the_answer_in_pieces_then_the_whole_body(asker: Asker) -> None:
    folder = await asker.folder("Billing")
    await asker.write(folder["id"], CANCEL)
    body = {"question": "How do I cancel my subscription?", "stream": True}

    response = await asker.call("POST", ASK, body)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [_parse_event(block) for block in response.text.strip().split("\n\n")]
    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"answer"} and len(names) > 2
    whole = events[-1][1]
    assert whole["success"] == 1
    assert "".join(data["answer"] for _, data in events[:-1]) == whole["answer"]


async def test_a_question_of_its_own_after_history_stands_alone(asker: Asker) -> None:
    folder = await asker.folder("Apps")
    await asker.write(folder["id"], IOS)
    cancel = await asker.write(folder["id"], CANCEL)
    history = (await asker.ask("How do I reset my password on iOS?"))["messages"]

    cited = await asker.cited("Cancel my subscription?", messageHistory=history)

    assert cited[:1] == [cancel["id"]]


@pytest.mark.parametrize(
    ("message", "answering"),
    [
        ("What if I want to cancel my subscription instead?", CANCEL),
        ("So where do I download invoices?", INVOICES),
        ("and on Android?", ANDROID),
    ],
)
async def test_a_message_that_opens_like_a_follow_up_is_read_the_surer_way(
    asker: Asker, message: str, answering: JSON
) -> None:
    folder = await asker.folder("Apps")
    articles = {
        a["title"]: await asker.write(folder["id"], a) for a in (IOS, ANDROID, CANCEL, INVOICES)
    }
    history = (await asker.ask("How do I reset my password on iOS?"))["messages"]

    answer = await asker.ask(message, messageHistory=history)

    assert answer["based_on"][0]["articleId"] == articles[answering["title"]]["id"], answer


def _parse_event(block: str) -> tuple[str, dict[str, Any]]:
    lines = dict(line.split(": ", 1) for line in block.split("\n"))
    data: dict[str, Any] = json.loads(lines["data"])
    return lines["event"], data


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "question"),
        ({"question": "   "}, "question"),
        ({"question": 5}, "question"),
        ({"question": "cancel?", "stream": "yes"}, "stream"),
        ({"question": "cancel?", "temperature": "0.4"}, "temperature"),
        ({"question": "cancel?", "messageHistory": "none"}, "messageHistory"),
        ({"question": "cancel?", "messageHistory": [{"role": "bot", "content": "hi"}]}, "role"),
        ({"question": "cancel?", "botId": "not-a-uuid"}, "botId"),
        ({"question": "cancel?", "botId": 5}, "botId"),
        ({"question": "cancel?", "answerStyle": "short"}, "answerStyle"),
    ],
)
async def test_a_bad_body_is_a_400_naming_the_field(
    asker: Asker, body: dict[str, object], field: str
) -> None:
    assert_error(await asker.call("POST", ASK, body), 400, field)


async def test_fini_fields_are_accepted(asker: Asker) -> None:
    folder = await asker.folder("Billing")
    await asker.write(folder["id"], CANCEL)
    body = {
        "question": "How do I cancel my subscription?",
        "messageHistory": [],
        "instruction": "Be brief.",
        "temperature": 0,
        "stop": ["\n\n"],
        "categories": ["billing"],
        "functions": [],
        "function_call": "none",
        "user_attributes": {"plan": "pro"},
    }
    assert (await asker.ok("POST", ASK, body))["success"] == 1
    one_stop = body | {"stop": "\n\n"}  # a single stop sequence, as OpenAI-style APIs take it
    assert (await asker.ok("POST", ASK, one_stop))["success"] == 1


async def test_asking_needs_the_read_scope(asker: Asker, keys: Keys) -> None:
    write_only = await keys.headers("acme", Scope.WRITE)
    response = await asker.call("POST", ASK, {"question": "cancel?"}, headers=write_only)
    assert_error(response, 403, "read")
    assert_error(await asker.client.post(ASK, json={"question": "cancel?"}), 401)
