"""The console in a real browser (Debian's chromium driven by Playwright): a generated draft
with a merge conflict is reviewed, resolved and published; a read-only key and a form
without the session's token are refused. KBSMITH_SCREENSHOTS=DIR keeps screenshots there."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from kbsmith.api.app import create_app
from kbsmith.jobs.worker import Worker
from kbsmith.settings import Settings
from kbsmith.workspaces.service import Scope
from tests.conftest import Keys
from tests.generation.support import articles_by_id
from tests.generation.test_merging import EDITED
from tests.generation.test_review import THEIRS, conflicting_job
from tests.support.asgi_thread import ThreadedAsgiServer
from tests.support.hostile_server import HostileServer

REQUIRE_BROWSER = "KBSMITH_REQUIRE_BROWSER"

pytestmark = pytest.mark.slow


@pytest.fixture
def server(settings: Settings, db: object) -> Iterator[str]:
    """kbsmith on 127.0.0.1 with a database engine of its own (the server's thread has its
    own event loop), over the test's migrated database."""
    running = ThreadedAsgiServer(create_app(settings), graceful_shutdown=2)
    running.start()
    yield running.url
    running.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get(REQUIRE_BROWSER) == "1":
            pytest.fail("chromium is not installed (scripts/test installs it)")
        pytest.skip("chromium is not installed")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def signed_in(browser: Browser, server: str, key: str, width: int = 1280) -> Page:
    page = await browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(20_000)
    await page.goto(f"{server}/ui")
    await expect(page).to_have_url(f"{server}/ui/sign-in")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{server}/ui/queue")
    return page


async def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("KBSMITH_SCREENSHOTS")
    if folder:
        await page.screenshot(path=str(Path(folder) / name), full_page=True)


async def test_review_a_conflict_keep_the_persons_text_and_publish(
    client: httpx.AsyncClient,
    keys: Keys,
    site: HostileServer,
    workers: Worker,
    server: str,
    browser: Browser,
) -> None:
    key = await keys.create("acme")
    headers = {"Authorization": f"Bearer {key}"}
    _, article_id, job = await conflicting_job(client, headers, site, is_draft=False)
    draft_id = job["conflictDraftId"]
    page = await signed_in(browser, server, key)

    item = page.locator(".queue .item").first
    await expect(item).to_contain_text("1 conflict")
    await screenshot(page, "console-queue.png")
    await item.click()
    await expect(page).to_have_url(f"{server}/ui/review/{draft_id}")
    await expect(page.get_by_role("heading", name="Conflicts")).to_be_visible()
    await expect(page.locator(".redline ins").first).to_be_visible()
    await screenshot(page, "console-review.png")

    await page.get_by_label("Keep the person's text").check()
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_role("status")).to_contain_text("published")
    await page.goto(f"{server}/ui/articles/{article_id}")
    await expect(page.locator(".body")).to_contain_text(EDITED)
    await expect(page.locator(".body")).to_contain_text("$18")
    (live,) = await articles_by_id(client, headers, article_id)
    assert EDITED in live["mainKnowledge"] and THEIRS not in live["mainKnowledge"]
    assert live["version"] == 4, "created, edited, merged, published"


async def test_a_read_only_key_cannot_publish(
    client: httpx.AsyncClient,
    keys: Keys,
    site: HostileServer,
    workers: Worker,
    server: str,
    browser: Browser,
) -> None:
    headers = await keys.headers("acme")
    _, _, job = await conflicting_job(client, headers, site, is_draft=False)
    draft_id = job["conflictDraftId"]
    page = await signed_in(browser, server, await keys.create("acme", Scope.READ), width=390)

    await page.goto(f"{server}/ui/review/{draft_id}")
    await expect(page.get_by_role("note")).to_contain_text("read-only")
    async with page.expect_response(f"{server}/ui/review/{draft_id}/publish") as answer:
        await page.get_by_role("button", name="Publish").click()
    assert (await answer.value).status == 403
    await expect(page.get_by_role("alert")).to_contain_text("read-only")
    (draft,) = await articles_by_id(client, headers, draft_id)
    assert draft["isDraftPublished"] is False and draft["dismissedAt"] is None


async def test_a_form_without_the_sessions_token_is_refused(
    client: httpx.AsyncClient, keys: Keys, server: str, browser: Browser
) -> None:
    key = await keys.create("acme")
    headers = {"Authorization": f"Bearer {key}"}
    folder = await client.post("/v2/hc-folders/public", headers=headers, json={"title": "F"})
    live = await client.post(
        "/v2/hc-articles/public",
        headers=headers,
        json={
            "title": "Cancel",
            "mainKnowledge": "Cancel from Billing.",
            "questions": ["How?"],
            "keywords": ["cancel"],
            "parentFolderId": folder.json()["id"],
        },
    )
    draft = await client.post(f"/v2/hc-articles/{live.json()['id']}/draft/public", headers=headers)
    draft_id = draft.json()["id"]
    page = await signed_in(browser, server, key)

    await page.goto(f"{server}/ui/review/{draft_id}")
    await page.locator("#review-form input[name=csrf]").evaluate("input => input.value = 'stolen'")
    async with page.expect_response(f"{server}/ui/review/{draft_id}/dismiss") as answer:
        await page.get_by_role("button", name="Dismiss").click()
    assert (await answer.value).status == 403
    (after,) = await articles_by_id(client, headers, draft_id)
    assert after["dismissedAt"] is None
