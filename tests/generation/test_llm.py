"""The LLM backend through kbsmith's API and real workers, against a fake OpenAI-compatible
server on 127.0.0.1: valid answers, repairs, invented handles, rate limits, timeouts, a killed
worker."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from kbsmith.db.database import Database
from kbsmith.jobs.models import Job, JobStatus
from kbsmith.jobs.worker import Worker
from kbsmith.settings import Settings
from tests.conftest import TEST_SECRET, Keys
from tests.generation.fake_llm import (
    ADD,
    API_KEY,
    NOTHING,
    UPDATE,
    Answer,
    Fail,
    FakeLLM,
    Sensible,
    Stall,
    answer_json,
)
from tests.generation.support import (
    all_articles,
    articles_by_id,
    bulk,
    ingest_pages,
    page,
    wait_jobs,
)
from tests.generation.test_workflow import RESET
from tests.support.hostile_server import HostileServer, Page
from tests.support.processes import REPO_ROOT, stop, worker_environment
from tests.support.waiting import eventually, load_jobs

RESET_TEXT = "# Reset your password\n\n" + "\n\n".join(RESET)
MODEL = "fake-model"


@pytest.fixture
def llm_overrides() -> dict[str, Any]:
    """Parametrize this to change the LLM settings of one test."""
    return {}


@pytest.fixture
def settings(settings: Settings, llm: FakeLLM, llm_overrides: dict[str, Any]) -> Settings:
    return settings.model_copy(
        update={
            "llm_base_url": llm.base_url,
            "llm_api_key": SecretStr(API_KEY),
            "llm_model": MODEL,
            "llm_timeout": 10.0,  # generous on a loaded machine; the timeout tests set theirs
            "llm_max_retries": 2,
            "llm_backoff_base": 0.01,
            "llm_backoff_max": 1.0,
            # Lexical retrieval is enough here, and loading the model stalls the event loop.
            "generation_embeddings": False,
            **llm_overrides,
        }
    )


async def generate(
    client: httpx.AsyncClient, headers: dict[str, str], text: str, **options: Any
) -> dict[str, Any]:
    """Queue one generation of ``text`` and wait for its job to end; answers its status."""
    answer = await client.post(
        "/v2/knowledge/public", headers=headers, json={"candidateKnowledge": text, **options}
    )
    assert answer.status_code == 200, answer.text
    (job,) = await wait_jobs(client, headers, [answer.json()["backgroundJobId"]])
    return job


async def stored_job(db: Database, job: dict[str, Any]) -> Job:
    (found,) = await load_jobs(db, [uuid.UUID(job["id"])])
    return found


WRITTEN = {
    "title": "Resetting your password",
    "mainKnowledge": "## Steps\n\n1. Open the sign-in page.\n2. Choose **Forgot password**.\n\n"
    "Reset links are valid for 24 hours.",
    "questions": ["How do I reset my password?", "How long does a reset link last?"],
    "keywords": ["password", "reset link"],
    "agentInstruction": "Use for sign-in problems; check the customer's email first.",
    "escalation": True,
}


async def test_a_valid_answer_becomes_the_article_and_its_tokens_are_recorded(
    client: httpx.AsyncClient, keys: Keys, db: Database, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    llm.then(
        answer_json(
            {
                "operation": ADD,
                "targetHandle": None,
                "folderHandle": None,
                "reason": "No article covers password resets yet.",
            }
        ),
        answer_json(WRITTEN),
    )
    job = await generate(client, headers, RESET_TEXT, isDraft=False)

    assert job["jobStatus"] == "COMPLETED", job["error"]
    assert job["operation"] == ADD
    assert "No article covers password resets yet." in job["reason"]
    (article,) = await articles_by_id(client, headers, job["hcArticleId"])
    assert {key: article[key] for key in WRITTEN if key != "questions"} == {
        key: value for key, value in WRITTEN.items() if key != "questions"
    }
    # the model's 2 questions first, then the text's own up to 3 at least
    assert article["questions"][:3] == [
        "How do I reset my password?",
        "How long does a reset link last?",
        "How can I reset my password?",
    ]
    stored = await stored_job(db, job)
    assert stored.result is not None and stored.result["backend"] == "llm"
    assert stored.result["usage"] == {
        "promptTokens": sum(r.usage["prompt_tokens"] for r in llm.requests),
        "completionTokens": sum(r.usage["completion_tokens"] for r in llm.requests),
    }
    decision, writing = llm.requests
    assert (decision.kind, writing.kind) == ("decision", "article")
    assert decision.body["model"] == MODEL and decision.response_format == "json_schema"
    assert "valid for 24 hours" in decision.user_text and "valid for 24 hours" in writing.user_text
    assert "ONLY in the source text" in writing.messages[0]["content"]


BAD_DECISIONS: dict[str, tuple[str | dict[str, Any], str]] = {
    "invalid JSON": ("I would add it as a new article.", "not valid JSON"),
    "cut-off JSON": ('{"operation": "ADD_ARTICLE_TO_FOLDER", "targetH', "not valid JSON"),
    "invented article handle": (
        {"operation": UPDATE, "targetHandle": 9, "folderHandle": None, "reason": "same"},
        "targetHandle 9 is an unknown handle (invented)",
    ),
    "invented folder handle": (
        {"operation": ADD, "targetHandle": None, "folderHandle": 2, "reason": "new"},
        "folderHandle 2 is an unknown handle (invented)",
    ),
    "operation not allowed": (
        {"operation": NOTHING, "targetHandle": None, "folderHandle": None, "reason": "no"},
        "operation 'DO_NOTHING' is not allowed here",
    ),
    "update without a target": (
        {"operation": UPDATE, "targetHandle": None, "folderHandle": None, "reason": "x"},
        "UPDATE_ARTICLE needs targetHandle",
    ),
    "a handle that is not an integer": (
        {"operation": ADD, "targetHandle": "1", "folderHandle": None, "reason": "x"},
        "targetHandle: Input should be a valid integer",
    ),
}


@pytest.mark.parametrize("bad", list(BAD_DECISIONS))
async def test_an_invalid_decision_is_repaired_once(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker, bad: str
) -> None:
    headers = await keys.headers()
    content, complaint = BAD_DECISIONS[bad]
    answer = Answer(content) if isinstance(content, str) else answer_json(content)
    llm.then(answer)
    allowed = [ADD, UPDATE]
    job = await generate(client, headers, RESET_TEXT, restrictedOps=allowed)

    assert job["jobStatus"] == "COMPLETED", job["error"]
    assert job["operation"] == ADD
    first, repair, writing = llm.requests
    assert [first.kind, repair.kind, writing.kind] == ["decision", "decision", "article"]
    assert repair.messages[:2] == first.messages
    assert repair.messages[2] == {"role": "assistant", "content": answer.content}
    assert complaint in repair.messages[3]["content"]


async def test_an_invented_handle_twice_fails_the_job_clearly(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    assert (await generate(client, headers, RESET_TEXT))["jobStatus"] == "COMPLETED"
    invented = {"operation": UPDATE, "targetHandle": 4, "folderHandle": None, "reason": "same"}
    llm.then(answer_json(invented), answer_json(invented))

    job = await generate(client, headers, "# Close your account\n\nOpen Settings, then Close.")

    assert job["jobStatus"] == "FAILED"
    assert "unknown handle (invented)" in job["error"]
    assert "only article 1 was shown" in job["error"]
    assert [r.kind for r in llm.requests[2:]] == ["decision", "decision"]
    assert len(await all_articles(client, headers)) == 1


async def test_an_invalid_article_is_repaired_and_a_second_one_fails(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    no_questions = answer_json({**WRITTEN, "questions": []})
    llm.then(Sensible(), no_questions)
    repaired = await generate(client, headers, RESET_TEXT)
    assert repaired["jobStatus"] == "COMPLETED", repaired["error"]
    assert "questions" in llm.requests[2].messages[-1]["content"]

    llm.then(Sensible(), no_questions, Answer("{}"))
    failed = await generate(client, headers, "# Close your account\n\nOpen Settings, then Close.")
    assert failed["jobStatus"] == "FAILED"
    assert failed["error"].startswith("the LLM's article was invalid, even after a repair")


async def test_an_article_stating_what_the_source_does_not_is_repaired(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    invented = {**WRITTEN, "mainKnowledge": "Reset links are valid for 48 hours."}
    llm.then(Sensible(), answer_json(invented))
    job = await generate(client, headers, RESET_TEXT, isDraft=False)

    assert job["jobStatus"] == "COMPLETED", job["error"]
    decision, writing, repair = llm.requests
    assert [decision.kind, writing.kind, repair.kind] == ["decision", "article", "article"]
    assert "states what the source does not: 48" in repair.messages[-1]["content"]
    (article,) = await articles_by_id(client, headers, job["hcArticleId"])
    assert "48" not in article["mainKnowledge"] and "24 hours" in article["mainKnowledge"]


async def test_a_rate_limit_is_waited_out_as_retry_after_asks(
    client: httpx.AsyncClient, keys: Keys, db: Database, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    llm.then(Fail(429, retry_after=0.4, message="Rate limit reached"))
    job = await generate(client, headers, RESET_TEXT)

    assert job["jobStatus"] == "COMPLETED", job["error"]
    limited, decision, _ = llm.requests
    assert decision.at - limited.at >= 0.4
    assert (await stored_job(db, job)).attempts == 1


@pytest.mark.parametrize("llm_overrides", [{"llm_max_retries": 1}])
async def test_server_errors_fail_the_job_once_its_attempts_are_exhausted(
    client: httpx.AsyncClient, keys: Keys, db: Database, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    llm.fallback = Fail(500, message="the model crashed")
    job = await generate(client, headers, RESET_TEXT)

    assert job["jobStatus"] == "FAILED"
    assert job["error"] == "LLM server answered HTTP 500: the model crashed (tried 2 times)"
    stored = await stored_job(db, job)
    assert stored.attempts == stored.max_attempts > 1
    assert len(llm.requests) == 2 * stored.attempts


@pytest.mark.parametrize("llm_overrides", [{"llm_timeout": 0.25, "llm_max_retries": 1}])
async def test_a_server_that_does_not_answer_in_time_fails_the_job_clearly(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    llm.fallback = Stall(5)
    job = await generate(client, headers, RESET_TEXT)

    assert job["jobStatus"] == "FAILED"
    assert job["error"] == "LLM server timed out after 0.25 s (tried 2 times)"
    assert len(await all_articles(client, headers)) == 0


WRONG_KEY = "sk-wrong-key-5d1e0b7a"


@pytest.mark.parametrize("llm_overrides", [{"llm_api_key": SecretStr(WRONG_KEY)}])
async def test_a_rejected_key_fails_at_once_without_showing_the_key(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    job = await generate(client, headers, RESET_TEXT)

    assert job["jobStatus"] == "FAILED"
    assert job["error"].startswith("LLM server answered HTTP 401: Incorrect API key provided")
    assert WRONG_KEY not in job["error"] and "***" in job["error"]
    assert len(llm.requests) == 1


async def test_a_server_refusing_json_schema_is_asked_for_json_mode(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    llm.refuse_json_schema = True
    job = await generate(client, headers, RESET_TEXT)

    assert job["jobStatus"] == "COMPLETED", job["error"]
    formats = [r.response_format for r in llm.requests]
    assert formats == ["json_schema", "json_object", "json_object"]
    assert '"targetHandle"' in llm.requests[1].messages[0]["content"]


async def test_instructions_reach_both_prompts(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    instructions = "Write for administrators and mention the Acme security team."
    job = await generate(client, headers, RESET_TEXT, instructions=instructions)

    assert job["jobStatus"] == "COMPLETED", job["error"]
    assert all(instructions in r.user_text for r in llm.requests)
    assert len(llm.requests) == 2


async def test_the_chosen_handle_updates_that_article(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    first = await generate(client, headers, RESET_TEXT, isDraft=False)
    changed = RESET_TEXT.replace("24 hours", "48 hours")
    second = await generate(client, headers, changed, isDraft=False)

    assert second["jobStatus"] == "COMPLETED", second["error"]
    assert second["operation"] == UPDATE
    assert second["targetArticleId"] == second["hcArticleId"] == first["hcArticleId"]
    assert "[Article 1] Reset your password" in llm.requests[2].user_text
    (article,) = await articles_by_id(client, headers, first["hcArticleId"])
    assert "48 hours" in article["mainKnowledge"] and article["version"] == 2


async def test_the_llm_may_say_that_no_allowed_operation_fits(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, workers: Worker
) -> None:
    headers = await keys.headers()
    await generate(client, headers, RESET_TEXT, isDraft=False)
    llm.then(
        answer_json(
            {
                "operation": "NONE_FITS",
                "targetHandle": 1,
                "folderHandle": None,
                "reason": "Article 1 already covers this; another would duplicate it.",
            }
        )
    )
    failed = await generate(client, headers, RESET_TEXT, restrictedOps=[ADD])
    assert failed["jobStatus"] == "FAILED"
    assert failed["error"] == (
        "the LLM found no allowed operation that fits: "
        "Article 1 already covers this; another would duplicate it."
    )


async def test_an_unchanged_source_is_left_alone_without_asking(
    client: httpx.AsyncClient, keys: Keys, llm: FakeLLM, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/llm/reset"] = Page(page("Reset your password", *RESET))
    ids = await ingest_pages(client, headers, site.url("/llm/reset"))
    (added,) = await bulk(client, headers, ids, isDraft=False)
    assert added["operation"] == ADD, added["error"]

    (again,) = await bulk(client, headers, ids, isDraft=False)
    assert again["operation"] == NOTHING and again["targetArticleId"] == added["hcArticleId"]
    assert [r.kind for r in llm.requests] == ["decision", "article"]


WORKER_COMMAND = [sys.executable, "-m", "kbsmith", "worker", "--concurrency", "2"]
# The same command, held after its imports until a line arrives on stdin: the second worker
# starts while the first one runs, so the test does not wait for two slow start-ups in a row.
HELD_WORKER_COMMAND = [
    sys.executable,
    "-c",
    "import sys; from kbsmith.cli import app; sys.stdin.readline(); "
    "app(['worker', '--concurrency', '2'])",
]


def start_kbsmith_worker(
    command: list[str], env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """A real kbsmith worker process, running kbsmith's own job registry."""
    log = log_path.open("ab")
    return subprocess.Popen(
        command,
        env=env,
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def release(held: subprocess.Popen[bytes]) -> None:
    assert held.stdin is not None
    held.stdin.write(b"go\n")
    held.stdin.close()


@pytest.mark.slow  # starts real kbsmith worker processes
async def test_a_worker_killed_mid_generation_completes_the_job_once(
    client: httpx.AsyncClient,
    keys: Keys,
    db: Database,
    database_url: str,
    llm: FakeLLM,
    tmp_path: Path,
) -> None:
    headers = await keys.headers()
    env = worker_environment(
        database_url,
        llm_base_url=llm.base_url,
        llm_api_key=API_KEY,
        llm_model=MODEL,
        secret_key=TEST_SECRET,
        data_dir=tmp_path / "data",
        job_lease_seconds=4,
        job_poll_interval=0.05,
        job_backoff_base=0.01,
        generation_embeddings="false",
    )
    llm.then(Stall(60))
    answer = await client.post(
        "/v2/knowledge/public", headers=headers, json={"candidateKnowledge": RESET_TEXT}
    )
    job_id = answer.json()["backgroundJobId"]

    survivor = start_kbsmith_worker(HELD_WORKER_COMMAND, env, tmp_path / "survivor.log")
    doomed = start_kbsmith_worker(WORKER_COMMAND, env, tmp_path / "doomed.log")
    try:
        try:
            await eventually(lambda: _count(llm), lambda n: n >= 1, timeout=90)
        finally:
            doomed.send_signal(signal.SIGKILL)
            doomed.wait()
        release(survivor)
        (job,) = await wait_jobs(client, headers, [job_id])
    finally:
        stop(survivor)

    assert job["jobStatus"] == "COMPLETED", job["error"]
    (stored,) = await load_jobs(db, [uuid.UUID(job_id)])
    # the doomed worker's attempt and the survivor's (a CPU-starved survivor may lose its own
    # lease once more); whatever the attempts, one article comes of it
    assert stored.status == JobStatus.COMPLETED and stored.attempts >= 2
    (article,) = await all_articles(client, headers)
    assert article["id"] == job["hcArticleId"]
    kinds = [r.kind for r in llm.requests]
    assert kinds[:2] == ["decision", "decision"] and kinds[-1] == "article"


async def _count(llm: FakeLLM) -> int:
    return len(llm.requests)
