"""The console over HTTP: sessions, CSRF, scopes, and the review flow through its forms."""

from __future__ import annotations

import httpx

from tests.console.conftest import Console
from tests.knowledge.conftest import Kb, content_body

ONE = "Customers can cancel from Billing in the dashboard."
OURS = "Refunds take five business days, says support."
THEIRS = "Refunds take ten business days."


async def test_pages_need_a_session(client: httpx.AsyncClient) -> None:
    for path in ("/ui", "/ui/queue", "/ui/sources", "/ui/jobs", "/ui/knowledge", "/ui/ask"):
        answer = await client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/ui/sign-in", path
    home = await client.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/ui"
    assert (await client.get("/ui/sign-in")).status_code == 200


async def test_signing_in_sets_a_strict_http_only_cookie_without_the_key(
    client: httpx.AsyncClient, kb: Kb
) -> None:
    signed = Console(client)
    refused = await signed.sign_in("kbs_not_a_real_key")
    assert refused.status_code == 401 and "unknown or revoked" in refused.text
    key = kb.headers["Authorization"].removeprefix("Bearer ")
    answer = await signed.sign_in(key)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/queue"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
    assert key not in cookie
    page = await client.get("/ui/queue")
    assert (
        page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    )


async def test_a_forged_or_foreign_post_is_refused(console: Console, kb: Kb) -> None:
    live = await kb.article((await kb.folder())["id"])
    draft = await kb.ok("POST", f"/v2/hc-articles/{live['id']}/draft/public")
    dismiss = f"/ui/review/{draft['id']}/dismiss"

    without = await console.post(dismiss, {}, token=False)
    assert without.status_code == 403 and "expired" in without.text
    forged = await console.post(dismiss, {"csrf": "forged"}, token=False)
    assert forged.status_code == 403
    token = await console.csrf()
    foreign = await console.client.post(
        dismiss, data={"csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert (await kb.one(draft["id"]))["dismissedAt"] is None
    done = await console.post(dismiss, {})
    assert done.status_code == 303
    assert (await kb.one(draft["id"]))["dismissedAt"] is not None


async def test_a_read_only_key_sees_everything_and_changes_nothing(reader: Console, kb: Kb) -> None:
    live = await kb.article((await kb.folder())["id"])
    draft = await kb.ok("POST", f"/v2/hc-articles/{live['id']}/draft/public")
    assert draft["id"] in await reader.page("/ui/queue")
    assert "read-only" in await reader.page(f"/ui/review/{draft['id']}")
    form = {"title": "x", "main_knowledge": "x", "questions": "x", "keywords": "x"}
    for action in ("publish", "save", "dismiss"):
        answer = await reader.post(f"/ui/review/{draft['id']}/{action}", form)
        assert answer.status_code == 403 and "read-only" in answer.text, action
    assert (await kb.one(draft["id"]))["version"] == draft["version"]
    assert (await kb.one(live["id"]))["version"] == live["version"]


async def test_review_a_conflict_keep_the_persons_text_and_publish(
    console: Console, kb: Kb
) -> None:
    live = await kb.article((await kb.folder())["id"], mainKnowledge=f"{ONE}\n\n{OURS}")
    draft = await kb.ok(
        "POST",
        f"/v2/hc-articles/{live['id']}/draft/public",
        content_body(mainKnowledge=f"{ONE}\n\n{THEIRS}"),
    )
    queue = await console.page("/ui/queue")
    assert draft["id"] in queue and "1 waiting" in queue
    packet = await console.page(f"/ui/review/{draft['id']}")
    assert "<del>" in packet and "<ins>" in packet, "a redline of the changed paragraph"

    form = {
        "title": "Canceling and refunds",
        "main_knowledge": f"{ONE}\n\n{THEIRS}",
        "questions": "How do I cancel?\nWhen is my refund?",
        "keywords": "cancel\nrefund",
    }
    published = await console.post(f"/ui/review/{draft['id']}/publish", form)
    assert published.status_code == 303 and published.headers["location"].startswith("/ui/queue")
    now = await kb.one(live["id"])
    assert now["title"] == "Canceling and refunds" and THEIRS in now["mainKnowledge"]
    assert now["questions"] == ["How do I cancel?", "When is my refund?"]
    assert "Nothing waits" in await console.page("/ui/queue")
    history = await console.page(f"/ui/articles/{live['id']}", **{"from": "1", "to": "2"})
    assert "<del>" in history


async def test_stale_or_invalid_edits_are_refused_in_words(console: Console, kb: Kb) -> None:
    live = await kb.article((await kb.folder())["id"])
    draft = await kb.ok("POST", f"/v2/hc-articles/{live['id']}/draft/public")
    empty = {"title": " ", "main_knowledge": "x", "questions": "q", "keywords": "k"}
    answer = await console.post(f"/ui/review/{draft['id']}/publish", empty)
    assert answer.status_code == 400 and "title must not be empty" in answer.text
    stale = {"title": "t", "main_knowledge": "x", "questions": "q", "keywords": "k", "version": "9"}
    answer = await console.post(f"/ui/review/{draft['id']}/save", stale)
    assert answer.status_code == 409 and "not 9" in answer.text


async def test_queue_filters_and_other_pages_render(console: Console, kb: Kb) -> None:
    folder = await kb.folder("Billing")
    live = await kb.article(folder["id"])
    draft = await kb.ok("POST", f"/v2/hc-articles/{live['id']}/draft/public")
    manual = await console.page("/ui/queue", operation="manual", folder=folder["id"])
    assert draft["id"] in manual
    none = await console.page("/ui/queue", operation="UPDATE_ARTICLE")
    assert draft["id"] not in none
    assert draft["id"] not in await console.page("/ui/queue", source="web")
    assert "Billing" in await console.page("/ui/knowledge")
    assert "No sources yet" in await console.page("/ui/sources")
    assert "No generation jobs" in await console.page("/ui/jobs")
    asked = await console.post("/ui/ask", {"question": "How do I cancel?"})
    assert asked.status_code == 200 and "Canceling your subscription" in asked.text
