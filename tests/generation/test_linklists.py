"""A page that is a list of links (an index, a category page) is not an article."""

from __future__ import annotations

import httpx
import pytest

from kbsmith.extraction import split_markdown
from kbsmith.extraction.html import extract_html
from kbsmith.generation.linklists import REASON, is_link_list, page_link_texts
from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.generation.support import all_articles, bulk, document, ingest_pages, page
from tests.generation.test_workflow import RESET
from tests.support.hostile_server import HostileServer, Page

CATEGORIES = {
    "Account": ["Reset your password", "Change your email", "Delete your account", "Two-factor"],
    "Billing": ["Update your card", "Download invoices", "Refund policy", "Change your plan"],
    "Integrations": ["Connect Slack", "Connect Zapier", "Webhooks"],
}


def index_html(title: str = "Acme Help Center") -> bytes:
    lists = "".join(
        f"<h2>{name}</h2><ul>"
        + "".join(f'<li><a href="/kb/{n}">{item}</a></li>' for n, item in enumerate(items))
        + "</ul>"
        for name, items in CATEGORIES.items()
    )
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><nav>Home | Pricing"
        f"</nav><main><h1>{title}</h1><p>Find answers below.</p>{lists}</main></body></html>"
    ).encode()


REQUIREMENTS = [
    "Acme Desktop runs on:",
    "- Windows 10 or later\n- macOS 13 Ventura or later\n- Ubuntu 22.04\n- 8 GB of memory\n"
    "- 2 GB of free disk space\n- A 64-bit processor\n- An internet connection",
]


def requirements_html() -> bytes:
    items = "".join(f"<li>{line.removeprefix('- ')}</li>" for line in REQUIREMENTS[1].split("\n"))
    return (
        "<!doctype html><html><head><title>System requirements | Acme Help</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/pricing">Pricing</a></nav><main><article>'
        f"<h1>System requirements</h1><p>{REQUIREMENTS[0]}</p><ul>{items}</ul>"
        "</article></main></body></html>"
    ).encode()


INDEX_AS_LIST = [
    "Browse the topics below.",
    *(
        f"## {name}\n" + "\n".join(f"- {item}" for item in items)
        for name, items in CATEGORIES.items()
    ),
]
ARTICLE_WITH_LINKS = [
    "# Change your plan",
    "Open Billing and choose Change plan. The new price applies from the next invoice, and "
    "the difference of the current month is credited.",
    "1. Open Billing\n2. Choose Change plan\n3. Pick a plan\n4. Confirm",
    "Downgrades keep your data; features of the higher plan stop at the end of the month.",
    "## Related articles\n- Refund policy\n- Download invoices\n- Update your card",
]
STEPS = [
    "Export every invoice of a year in one file.",
    "1. Open Billing\n2. Choose Invoices\n3. Pick the year\n4. Click Export\n5. Open the file\n"
    "6. Check the totals\n7. Archive it",
]


@pytest.mark.parametrize(
    ("paragraphs", "links"),
    [
        (INDEX_AS_LIST, True),
        (split_markdown(extract_html(index_html(), None, "http://acme.test/kb")[1]), True),
        (ARTICLE_WITH_LINKS, False),
        (STEPS, False),
        ([p for p in RESET], False),
        (["Reset your password", "Change your email"], False),  # too few to say
    ],
)
def test_a_page_of_links_is_told_from_an_article(paragraphs: list[str], links: bool) -> None:
    assert is_link_list(paragraphs) is links


def test_short_lines_that_are_not_the_pages_links_are_no_list_of_links() -> None:
    # by their words alone, seven short facts look like seven links
    assert is_link_list(REQUIREMENTS)
    assert is_link_list(REQUIREMENTS, page_link_texts(requirements_html(), "text/html")) is False
    index_links = page_link_texts(index_html(), "text/html; charset=utf-8")
    assert index_links is not None and "reset your password" in index_links
    assert is_link_list(INDEX_AS_LIST, index_links)
    assert page_link_texts(b"%PDF-1.7", "application/pdf") is None


async def test_a_page_of_short_facts_makes_an_article(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/kb/requirements"] = Page(requirements_html())
    ids = await ingest_pages(client, headers, site.url("/kb/requirements"))
    (requirements,) = await bulk(client, headers, ids, isDraft=False)
    assert requirements["operation"] == "ADD_ARTICLE_TO_FOLDER", requirements
    assert [a["title"] for a in await all_articles(client, headers)] == ["System requirements"]


async def test_an_index_page_makes_no_article(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/kb"] = Page(index_html())
    site.pages["/kb/reset"] = Page(page("Reset your password", *RESET))
    ids = await ingest_pages(client, headers, site.url("/kb"), site.url("/kb/reset"))
    index, article = await bulk(client, headers, ids, isDraft=False)
    assert index["jobStatus"] == "COMPLETED", index["error"]
    assert index["operation"] == "DO_NOTHING" and index["reason"] == REASON, index
    assert index["hcArticleId"] is None and index["targetArticleId"] is None
    assert article["operation"] == "ADD_ARTICLE_TO_FOLDER", article
    assert [a["title"] for a in await all_articles(client, headers)] == ["Reset your password"]
    record = await document(client, headers, ids[0])
    assert (record["linkedOperation"], record["linkedReason"]) == ("DO_NOTHING", REASON)
    assert record["linkedKnowledgeId"] is None and record["changed"] is False
