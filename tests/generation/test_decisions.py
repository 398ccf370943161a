"""Deciding well: no duplicates, no false merges, restrictedOps, isDraft, botId scoping."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.generation.support import (
    all_articles,
    articles_by_id,
    bulk,
    document,
    ingest_pages,
    page,
    refresh,
    wait_jobs,
)
from tests.generation.test_workflow import RESET
from tests.support.hostile_server import HostileServer, Page

UNKNOWN_ID = "3f1c9d7e-1111-4c1d-9d1f-0a8b7c6d5e4f"

EXPORT = (
    "Open {x} from the left menu and select the period you need.",
    "Choose Export, pick CSV or PDF, and the file downloads at once.",
    "Exports include every {x_one} issued in the selected period, newest first.",
)


def export_page(thing: str, one: str) -> bytes:
    return page(f"Export {thing}", *(p.format(x=thing, x_one=one) for p in EXPORT))


async def test_the_same_content_under_two_urls_makes_one_article(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/dup/a"] = Page(page("Reset your password", *RESET))
    site.pages["/dup/b"] = Page(page("Reset your password", *RESET))
    ids = await ingest_pages(client, headers, site.url("/dup/a"), site.url("/dup/b"))
    jobs = await bulk(client, headers, ids, isDraft=False)
    assert sorted(j["operation"] for j in jobs) == ["ADD_ARTICLE_TO_FOLDER", "DO_NOTHING"], jobs
    assert len(await all_articles(client, headers)) == 1


async def test_near_identical_procedures_about_different_things_stay_apart(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/proc/invoices"] = Page(export_page("invoices", "invoice"))
    site.pages["/proc/receipts"] = Page(export_page("receipts", "receipt"))
    ids = await ingest_pages(
        client, headers, site.url("/proc/invoices"), site.url("/proc/receipts")
    )
    jobs = await bulk(client, headers, ids, isDraft=False)
    assert [j["operation"] for j in jobs] == ["ADD_ARTICLE_TO_FOLDER"] * 2, jobs
    titles = sorted(a["title"] for a in await all_articles(client, headers))
    assert titles == ["Export invoices", "Export receipts"]


NEW, COVERED, UNCHANGED = "new", "covered", "unchanged"
ADD, UPDATE, NOTHING = "ADD_ARTICLE_TO_FOLDER", "UPDATE_ARTICLE", "DO_NOTHING"


@pytest.mark.parametrize(
    ("situation", "allowed", "expected"),
    [
        (NEW, [ADD, UPDATE, NOTHING], ADD),
        (NEW, [ADD], ADD),
        (NEW, [UPDATE], "FAILED: ADD_ARTICLE_TO_FOLDER is not allowed"),
        (NEW, [NOTHING], "FAILED: ADD_ARTICLE_TO_FOLDER is not allowed"),
        (NEW, [UPDATE, NOTHING], "FAILED: ADD_ARTICLE_TO_FOLDER is not allowed"),
        (COVERED, [ADD, UPDATE, NOTHING], UPDATE),
        (COVERED, [UPDATE], UPDATE),
        (COVERED, [NOTHING], NOTHING),
        (COVERED, [ADD, NOTHING], NOTHING),
        (COVERED, [ADD], "FAILED: would duplicate it"),
        (UNCHANGED, [ADD, UPDATE, NOTHING], NOTHING),
        (UNCHANGED, [NOTHING], NOTHING),
        (UNCHANGED, [UPDATE], "FAILED: DO_NOTHING is not allowed"),
        (UNCHANGED, [ADD, UPDATE], "FAILED: DO_NOTHING is not allowed"),
    ],
)
async def test_restricted_operations(
    client: httpx.AsyncClient,
    keys: Keys,
    site: HostileServer,
    workers: Worker,
    situation: str,
    allowed: list[str],
    expected: str,
) -> None:
    headers = await keys.headers()
    path = f"/ops/{situation}-{'-'.join(sorted(a[:3] for a in allowed))}"
    site.pages[path] = Page(page("Reset your password", *RESET))
    (document_id,) = await ingest_pages(client, headers, site.url(path))
    if situation != NEW:
        (first,) = await bulk(client, headers, [document_id], isDraft=False)
        assert first["operation"] == ADD
    if situation == COVERED:
        site.pages[path] = Page(
            page("Reset your password", RESET[0], "Links now last two days.", RESET[2])
        )
        await refresh(client, headers, document_id)
    before = len(await all_articles(client, headers))

    (job,) = await bulk(client, headers, [document_id], isDraft=False, restrictedOps=allowed)
    if expected.startswith("FAILED"):
        assert job["jobStatus"] == "FAILED"
        assert expected.removeprefix("FAILED: ") in job["error"], job["error"]
        assert job["hcArticleId"] is None
    else:
        assert job["jobStatus"] == "COMPLETED", job["error"]
        assert job["operation"] == expected
    assert len(await all_articles(client, headers)) == before + (
        1 if job["operation"] == ADD else 0
    )


async def test_generate_from_text_without_a_source(
    client: httpx.AsyncClient, keys: Keys, workers: Worker
) -> None:
    headers = await keys.headers()
    text = (
        "# Change your plan\n\nOpen Billing and choose Change plan.\n\n"
        "The new price applies from the next invoice."
    )
    answer = await client.post(
        "/v2/knowledge/public",
        headers=headers,
        json={"candidateKnowledge": text, "origin": "generated", "isDraft": False},
    )
    assert answer.status_code == 200, answer.text
    (job,) = await wait_jobs(client, headers, [answer.json()["backgroundJobId"]])
    assert job["operation"] == ADD, job
    (article,) = await articles_by_id(client, headers, job["hcArticleId"])
    assert article["title"] == "Change your plan" and "next invoice" in article["mainKnowledge"]
    assert article["origin"] == "generated" and article["sourceIds"] == []


async def test_bot_scope_limits_candidates_and_folders(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    seen = (
        await client.post("/v2/hc-folders/public", headers=headers, json={"title": "Seen"})
    ).json()
    hidden = (
        await client.post("/v2/hc-folders/public", headers=headers, json={"title": "Hidden"})
    ).json()
    bot = (await client.post("/v2/bots/public", headers=headers, json={"name": "Support"})).json()
    junction = await client.post(
        "/v2/hc-bot-folder-junctions/public",
        headers=headers,
        json={"junctions": [{"folderId": seen["id"], "botId": bot["id"], "action": "ADD"}]},
    )
    assert junction.status_code == 200, junction.text
    hidden_article = await client.post(
        "/v2/hc-articles/public",
        headers=headers,
        json={
            "title": "Reset your password",
            "mainKnowledge": "\n\n".join(RESET),
            "questions": ["How do I reset my password?"],
            "keywords": ["password"],
            "parentFolderId": hidden["id"],
        },
    )
    assert hidden_article.status_code == 200, hidden_article.text

    site.pages["/bot/reset"] = Page(page("Reset your password", *RESET))
    (document_id,) = await ingest_pages(client, headers, site.url("/bot/reset"))
    (unscoped,) = await bulk(
        client, headers, [document_id], isDraft=False, restrictedOps=[ADD, NOTHING]
    )
    assert unscoped["operation"] == NOTHING
    assert unscoped["targetArticleId"] == hidden_article.json()["id"]

    (scoped,) = await bulk(client, headers, [document_id], isDraft=False, botId=bot["id"])
    assert scoped["operation"] == ADD, scoped
    (added,) = await articles_by_id(client, headers, scoped["hcArticleId"])
    assert added["parentFolderId"] == seen["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"documentIds": [], "origin": "sources"}, "documentIds"),
        ({"documentIds": [UNKNOWN_ID], "origin": "sources"}, "documentIds"),
        ({"documentIds": [UNKNOWN_ID], "origin": "inbox"}, "origin"),
        ({"documentIds": [UNKNOWN_ID]}, "origin"),
        (
            {"documentIds": [UNKNOWN_ID], "origin": "sources", "restrictedOps": ["DELETE_ALL"]},
            "restrictedOps",
        ),
    ],
)
async def test_bulk_validation_queues_nothing(
    client: httpx.AsyncClient, keys: Keys, body: dict[str, object], field: str
) -> None:
    response = await client.post(
        "/v2/knowledge/public/bulk", headers=await keys.headers(), json=body
    )
    assert response.status_code == 400, response.text
    assert field in response.json()["message"]


async def test_bulk_refuses_sources_without_content_and_foreign_ids(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    mine = await keys.headers("mine")
    theirs = await keys.headers("theirs")
    site.pages["/bulk/ok"] = Page(page("Reset your password", *RESET))
    (good,) = await ingest_pages(client, mine, site.url("/bulk/ok"))
    (foreign,) = await ingest_pages(client, theirs, site.url("/bulk/ok"))
    pending = (
        await client.post(
            "/v2/documents/public",
            headers=mine,
            json={"documentIdsToAdd": [site.url("/status/404")]},
        )
    ).json()["addedDocumentIds"][0]
    for ids in ([good, foreign], [good, pending]):
        response = await client.post(
            "/v2/knowledge/public/bulk",
            headers=mine,
            json={"documentIds": ids, "origin": "sources"},
        )
        assert response.status_code == 400, response.text


async def test_bulk_answers_one_job_per_input_and_generates_a_repeated_source_once(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/bulk/twice"] = Page(page("Reset your password", *RESET))
    site.pages["/bulk/once"] = Page(export_page("invoices", "invoice"))
    (twice,) = await ingest_pages(client, headers, site.url("/bulk/twice"))
    (once,) = await ingest_pages(client, headers, site.url("/bulk/once"))
    response = await client.post(
        "/v2/knowledge/public/bulk",
        headers=headers,
        json={"documentIds": [twice, once, twice], "origin": "sources"},
    )
    assert response.status_code == 200, response.text
    jobs = response.json()["jobs"]
    assert [j["documentId"] for j in jobs] == [twice, once, twice]
    assert jobs[0]["backgroundJobId"] == jobs[2]["backgroundJobId"]
    assert jobs[0]["backgroundJobId"] != jobs[1]["backgroundJobId"]


async def test_job_status_answers_404_for_foreign_unknown_and_ingestion_jobs(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    mine = await keys.headers("mine")
    theirs = await keys.headers("theirs")
    site.pages["/status/page"] = Page(page("Reset your password", *RESET))
    (document_id,) = await ingest_pages(client, mine, site.url("/status/page"))
    (job,) = await bulk(client, mine, [document_id])
    ingestion_job = (await client.get(f"/v2/documents/public/{document_id}", headers=mine)).json()[
        "linkedJobId"
    ]
    for headers, ids in (
        (theirs, [job["id"]]),
        (mine, [job["id"], "3f1c9d7e-1111-4c1d-9d1f-0a8b7c6d5e4f"]),
        (mine, [ingestion_job]),
    ):
        response = await client.post(
            "/v2/knowledge/public/jobs/status", headers=headers, json={"jobIds": ids}
        )
        assert response.status_code == 404, response.text


ALTER = (
    "Changes the definition of an existing table; several subforms are described below.",
    "ADD COLUMN adds a new column, using the same syntax as CREATE TABLE.",
    "DROP COLUMN drops a column from the table; indexes and constraints on it go too.",
    "SET DATA TYPE changes the type of a column; the existing values are converted.",
    "RENAME changes the name of the table or of one of its columns.",
)


def alter_page(kind: str, first: str, last: str) -> bytes:
    return page(f"ALTER {kind}", first, *ALTER[1:4], last)


async def test_sibling_pages_of_one_site_stay_apart_however_alike(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    # "ALTER TABLE" and "ALTER FOREIGN TABLE": agreeing titles (one holds the other's terms),
    # near-identical openings; two pages of one site are two topics unless they repeat content.
    headers = await keys.headers()
    site.pages["/sql/alter-foreign-table"] = Page(
        alter_page(
            "FOREIGN TABLE",
            "Changes the definition of an existing foreign table, kept on a remote server.",
            "OPTIONS changes options of the foreign table, as the foreign-data wrapper allows.",
        )
    )
    site.pages["/sql/alter-table"] = Page(alter_page("TABLE", ALTER[0], ALTER[4]))
    foreign, table = await ingest_pages(
        client, headers, site.url("/sql/alter-foreign-table"), site.url("/sql/alter-table")
    )
    (first,) = await bulk(client, headers, [foreign], isDraft=False)
    (second,) = await bulk(client, headers, [table], isDraft=False)
    assert [first["operation"], second["operation"]] == [ADD, ADD], second["reason"]
    titles = sorted(a["title"] for a in await all_articles(client, headers))
    assert titles == ["ALTER FOREIGN TABLE", "ALTER TABLE"]


async def persons_article(
    client: httpx.AsyncClient, headers: dict[str, str], title: str, *paragraphs: str
) -> str:
    folder = await client.post("/v2/hc-folders/public", headers=headers, json={"title": "SQL"})
    assert folder.status_code == 200, folder.text
    written = {
        "title": title,
        "mainKnowledge": "\n\n".join(paragraphs),
        "questions": ["How do I alter a table?"],
        "keywords": ["alter"],
        "parentFolderId": folder.json()["id"],
    }
    made = await client.post("/v2/hc-articles/public", headers=headers, json=written)
    assert made.status_code == 200, made.text
    return str(made.json()["id"])


async def test_a_persons_article_on_the_same_subject_is_updated_not_duplicated(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    made = await persons_article(
        client, headers, "Alter table", *ALTER[:3], "Ask your DBA before changing a table."
    )
    site.pages["/sql/alter"] = Page(alter_page("TABLE", ALTER[0], ALTER[4]))
    ids = await ingest_pages(client, headers, site.url("/sql/alter"))
    (job,) = await bulk(client, headers, ids, isDraft=False)
    assert job["operation"] == UPDATE and job["targetArticleId"] == made, job


async def test_an_article_a_page_was_linked_to_is_that_sites_page_from_then_on(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    # A page that adds nothing to a person's article is linked to it (DO_NOTHING): the
    # article now stands for that page of the site, and its sibling pages stay apart from it
    # in every worker, although the article itself did not change.
    headers = await keys.headers()
    site.pages["/sql/alter-table"] = Page(alter_page("TABLE", ALTER[0], ALTER[4]))
    (table,) = await ingest_pages(client, headers, site.url("/sql/alter-table"))
    paragraphs = (await document(client, headers, table))["paragraphs"]
    made = await persons_article(client, headers, "Alter table", *paragraphs)
    (linked,) = await bulk(client, headers, [table], isDraft=False)
    assert linked["operation"] == NOTHING and linked["targetArticleId"] == made, linked
    site.pages["/sql/alter-foreign-table"] = Page(
        alter_page("FOREIGN TABLE", "Changes a foreign table.", "OPTIONS sets its options.")
    )
    (foreign,) = await ingest_pages(client, headers, site.url("/sql/alter-foreign-table"))
    (job,) = await bulk(client, headers, [foreign], isDraft=False)
    assert job["operation"] == ADD, job["reason"]


async def test_a_second_page_with_the_same_title_gets_a_title_of_its_own(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/sql/declare"] = Page(
        page(
            "DECLARE",
            "DECLARE — define a cursor",
            "DECLARE allows a user to create cursors, which retrieve a few rows at a time.",
        )
    )
    site.pages["/ecpg/declare"] = Page(
        page(
            "DECLARE",
            "DECLARE — declare a cursor name",
            "In embedded SQL programs, DECLARE names a cursor for a prepared statement.",
        )
    )
    ids = await ingest_pages(client, headers, site.url("/sql/declare"), site.url("/ecpg/declare"))
    jobs = [(await bulk(client, headers, [i], isDraft=False))[0] for i in ids]
    assert [j["operation"] for j in jobs] == [ADD, ADD], jobs
    titles = sorted(a["title"] for a in await all_articles(client, headers))
    assert titles == ["DECLARE", "DECLARE — declare a cursor name"]


WIRE_ANSWER = (
    "Wire transfers leave the same business day when they are sent before 3 pm.\n\n"
    "Transfers sent later leave on the next business day, and a fee of $25 applies to "
    "international wires."
)


async def _faq_article(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    folder = await client.post("/v2/hc-folders/public", headers=headers, json={"title": "Wires"})
    assert folder.status_code == 200, folder.text
    title = "How long does a wire transfer take?"
    body = {
        "title": title,
        "mainKnowledge": WIRE_ANSWER,
        "questions": [title],
        "keywords": ["wire"],
        "parentFolderId": folder.json()["id"],
    }
    made = await client.post("/v2/hc-articles/public", headers=headers, json=body)
    assert made.status_code == 200, made.text
    return str(made.json()["id"])


async def _generate(client: httpx.AsyncClient, headers: dict[str, str], text: str) -> Any:
    body = {"candidateKnowledge": text, "origin": "generated", "isDraft": True}
    answer = await client.post("/v2/knowledge/public", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    (job,) = await wait_jobs(client, headers, [answer.json()["backgroundJobId"]])
    return job


@pytest.mark.parametrize(
    ("text", "operations"),
    [
        # a customer's rewording of the question with the known answer: never a duplicate
        (f"when will my wire arrive\n\n{WIRE_ANSWER}", {UPDATE, NOTHING}),
        # the question run into the answer's first line
        (f"When does my wire get there?\n{WIRE_ANSWER}", {UPDATE, NOTHING}),
        # the article's own text, title heading included: nothing to change
        (f"# How long does a wire transfer take?\n\n{WIRE_ANSWER}", {NOTHING}),
    ],
    ids=["rewording", "question-run-in", "own-text"],
)
async def test_a_known_answer_asked_in_other_words_is_not_a_new_article(
    client: httpx.AsyncClient, keys: Keys, workers: Worker, text: str, operations: set[str]
) -> None:
    headers = await keys.headers()
    made = await _faq_article(client, headers)
    job = await _generate(client, headers, text)
    assert job["operation"] in operations and job["targetArticleId"] == made, job


async def test_a_neighbouring_question_is_a_new_article(
    client: httpx.AsyncClient, keys: Keys, workers: Worker
) -> None:
    headers = await keys.headers()
    await _faq_article(client, headers)
    text = (
        "Why was my wire transfer returned?\n\n"
        "A wire comes back when the receiving bank cannot match the account name and number. "
        "Check both with the recipient and send it again; the returned amount is credited "
        "within 5 business days."
    )
    job = await _generate(client, headers, text)
    assert job["operation"] == ADD, job
