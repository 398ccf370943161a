"""With an LLM server configured, the model answers from the passages it is shown and cites
them by handle; an invented citation or none at all is "I don't know" (fake server on
127.0.0.1 speaking the real chat-completions wire format)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from kbsmith.answers.answering import NOT_KNOWN
from kbsmith.settings import Settings
from tests.answers.conftest import CANCEL, INVOICES, Asker
from tests.generation.fake_llm import API_KEY, Behaviour, Fail, FakeLLM, answer_json
from tests.knowledge.conftest import JSON

MODEL = "fake-answer-model"
QUESTION = "How can I cancel my subscription?"


@pytest.fixture
def settings(settings: Settings, llm: FakeLLM) -> Settings:
    return settings.model_copy(
        update={
            "llm_base_url": llm.base_url,
            "llm_api_key": SecretStr(API_KEY),
            "llm_model": MODEL,
            "llm_timeout": 10.0,
            "llm_max_retries": 0,
        }
    )


async def _billing(asker: Asker) -> dict[str, JSON]:
    folder = await asker.folder("Billing")
    return {
        "cancel": await asker.write(folder["id"], CANCEL),
        "invoices": await asker.write(folder["id"], INVOICES),
    }


async def test_the_model_answers_from_the_passages_shown_and_cites_them(
    asker: Asker, llm: FakeLLM
) -> None:
    written = await _billing(asker)
    said = "Choose Cancel plan under Billing; you keep the plan until the paid period ends. [P1]"
    llm.then(answer_json({"answer": said, "citations": ["P1"]}))

    answer = await asker.ask(QUESTION, instruction="Answer in one sentence.", temperature=0.1)

    assert answer["success"] == 1 and answer["answer"] == said
    assert [e["articleId"] for e in answer["based_on"]] == [written["cancel"]["id"]]
    assert "Cancel plan" in answer["based_on"][0]["answer"]
    (request,) = llm.requests
    assert request.body["model"] == MODEL and request.body["temperature"] == 0.1
    prompt = request.user_text
    assert '<passage handle="P1">' in prompt and "Open Billing in the dashboard" in prompt
    assert "<instructions>\nAnswer in one sentence.\n</instructions>" in prompt
    assert QUESTION in prompt


@pytest.mark.parametrize(
    "citations",
    [["P1", "P7"], ["an article about refunds"], []],
    ids=["invented handle", "invented source", "no citation"],
)
async def test_an_invented_citation_or_none_is_i_dont_know(
    asker: Asker, llm: FakeLLM, citations: list[str]
) -> None:
    await _billing(asker)
    llm.then(answer_json({"answer": "Call us and we refund you in full.", "citations": citations}))

    answer = await asker.ask(QUESTION)

    assert len(llm.requests) == 1
    assert answer["success"] == 0 and answer["based_on"] == [] and answer["answer"] == NOT_KNOWN


async def test_the_model_is_not_asked_when_nothing_answers(asker: Asker, llm: FakeLLM) -> None:
    await _billing(asker)

    answer = await asker.ask("Can my dog catch the flu from my cat?")

    assert answer["success"] == 0 and answer["answer"] == NOT_KNOWN
    assert llm.requests == []


@pytest.mark.parametrize(
    "reply",
    [answer_json({"answer": "Choose Cancel plan."}), Fail(503)],
    ids=["breaks the format", "server error"],
)
async def test_a_broken_reply_or_a_failing_server_is_i_dont_know_not_an_error(
    asker: Asker, llm: FakeLLM, reply: Behaviour
) -> None:
    await _billing(asker)
    llm.then(reply)

    answer = await asker.ask(QUESTION)

    assert answer["success"] == 0 and answer["based_on"] == [] and answer["answer"] == NOT_KNOWN
    assert len(llm.requests) == 1
