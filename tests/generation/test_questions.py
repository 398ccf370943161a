"""A draft's questions: several, as customers ask them, drawn from the article's own text."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest

from kbsmith.extraction import split_markdown
from kbsmith.extraction.html import extract_html
from kbsmith.generation.questions import first_person, questions
from kbsmith.generation.text import clean_title

RESET = [
    "# Reset your password",
    "If you forgot your password, you can request a reset link from the sign-in page.",
    "## Request a reset link\n1. Open the sign-in page.\n2. Choose **Forgot password**.\n"
    "3. Enter the email address of your account.",
    "Reset links are valid for 24 hours. You can request a new one if yours has expired.",
    'If you see the error "Link expired", request a new link.',
]
FAQ = [
    "Q: How long does a refund take?\nA: Refunds reach your card within 5 business days.",
    "**Can I get a refund for an annual plan?**\nYes, within 30 days of the renewal.",
    "### Why was my refund declined?\nRefunds of gift cards are declined.",
]
STEPS = [
    "To export your invoices:",
    "1. Open Billing.\n2. Choose Invoices.\n3. Click Export.",
    "Exports include every invoice of the last 12 months.",
]
SHOUTING = ["## WHO SHOULD ATTEND?\nTeam leads and managers.", "## Overview\nA two-day course."]
NAMES = [
    "Connect Stripe to receive payments in Acme. Stripe sends the payouts to your bank.",
    "## Connecting Stripe\nSign in to Stripe and approve the Acme app.",
]


@pytest.mark.parametrize(
    ("title", "paragraphs", "expected"),
    [
        (
            "Reset your password",
            RESET,
            [
                "How do I reset my password?",
                "How do I request a reset link?",
                "What does 'Link expired' mean?",
                "What if I forgot my password?",
                "Can I request a new one if mine has expired?",
            ],
        ),
        (
            "Refunds",
            FAQ,
            [
                "What are refunds?",
                "How long does a refund take?",
                "Can I get a refund for an annual plan?",
                "Why was my refund declined?",
            ],
        ),
        (
            "Invoices",
            STEPS,
            [
                "What are invoices?",
                "How do I export my invoices?",
                "How do invoices work?",
                "Can you tell me about invoices?",
            ],
        ),
        (
            "Leadership Course",
            SHOUTING,
            [
                "What is the leadership course?",
                "Who should attend?",
                "How does the leadership course work?",
                "Can you tell me about the leadership course?",
            ],
        ),
        (
            "Connect Stripe",
            NAMES,
            [
                "How do I connect Stripe?",
                "How can I connect Stripe?",
                "Is there a way to connect Stripe?",
            ],
        ),
        (
            "Resetting your password",
            ["Links last a day."],
            [
                "How do I reset my password?",
                "How can I reset my password?",
                "Is there a way to reset my password?",
            ],
        ),
        (
            "Exporting Data From The Dashboard",
            ["Exports are CSV files."],
            [
                "How do I export data from the dashboard?",
                "How can I export data from the dashboard?",
                "Is there a way to export data from the dashboard?",
            ],
        ),
    ],
)
def test_questions_are_drawn_from_the_content(
    title: str, paragraphs: list[str], expected: list[str]
) -> None:
    assert questions(title, paragraphs) == expected


@pytest.mark.parametrize(
    ("phrase", "customer"),
    [
        ("reset your password if you forgot it", "reset my password if I forgot it"),
        ("if you hire me as your consultant", "if I hire you as my consultant"),
        ("you are new to Acme", "I am new to Acme"),
        ("you\u2019re on the annual plan", "I'm on the annual plan"),
        ("we send you a link", "you send me a link"),
        ("find the designers you need", "find the designers I need"),
        ("we help you with exports", "you help me with exports"),
        ("we will contact you.", "you will contact me."),
    ],
)
def test_the_customer_speaks_in_the_first_person(phrase: str, customer: str) -> None:
    assert first_person(phrase) == customer


@pytest.mark.parametrize("paragraphs", [[], [""], ["\n"]])
def test_a_text_without_lines_asks_from_its_title(paragraphs: list[str]) -> None:
    assert questions("Billing", paragraphs) == [
        "What is billing?",
        "How does billing work?",
        "Can you tell me about billing?",
    ]


@pytest.mark.parametrize(
    ("title", "first"),
    [
        ("8.6. Boolean Type", "What is the boolean type?"),
        ("G.1. Client Applications", "What are the client applications?"),
        ("Part VIII. Appendixes", "What are appendixes?"),
        ("Chapter 5. Data Definition", "What is the data definition?"),
        ("Index", "What does 'Index' cover?"),
        ("Payment issues - how to delete a card", "How do I delete a card?"),
        ("", "What does this article cover?"),
        (
            "FCC Chair to Europe: If You Restrict US Satellite Providers, We'll Ban You Here",
            ("What does this article cover?"),
        ),
    ],
)
def test_every_article_gets_a_question(title: str, first: str) -> None:
    asked = questions(title, ["The manual lists them below."])
    assert asked and asked[0] == first, asked


def test_code_is_not_asked_about() -> None:
    code = "```\n# Allow any user from any host to connect\nhost all all 0.0.0.0/0 trust\n```"
    more = "```\n# Reject the rest\nhost all all all reject"  # a long block, split
    asked = questions("The pg_hba.conf File", ["It controls client authentication.", code, more])
    assert not [q for q in asked if "allow" in q.casefold() or "reject" in q.casefold()], asked


def test_no_template_question_and_no_repeats() -> None:
    asked = questions("Recover Your Password", ["Use the recovery email we sent."])
    assert "What should I know about recover Password?" not in asked
    assert asked[0] == "How do I recover my password?"
    assert len({q.casefold() for q in asked}) == len(asked)


DATA_DIR = Path(
    os.environ.get("KBSMITH_WEB_PAGES_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data" / "web-pages"
)
HELD_OUT_EVERY = 4
"""Documentation pages not looked at while writing the rules: every 4th from the 40th on."""
BROKEN = re.compile(r"\b(\w+) \1\b|What should I know|[¶#*`]|\?.+\?|\bI I\b|\bmy my\b", re.I)


def _held_out_pages() -> list[tuple[str, list[str]]]:
    names = sorted(p.name[:4] for p in (DATA_DIR / "ground-truth").glob("*.json"))
    docs = [
        n
        for n in names
        if json.loads((DATA_DIR / "ground-truth" / f"{n}.json").read_text())["_internal"][
            "page_type"
        ]["primary"]
        == "documentation"
    ]
    pages = []
    for name in docs[40::HELD_OUT_EVERY]:
        url = json.loads((DATA_DIR / "ground-truth" / f"{name}.json").read_text())["url"]
        html = gzip.decompress((DATA_DIR / "html" / f"{name}.html.gz").read_bytes())
        title, markdown = extract_html(html, None, url)
        pages.append((clean_title(title), split_markdown(markdown)))
    return pages


def test_questions_of_held_out_documentation_pages_read_well() -> None:
    if not DATA_DIR.is_dir():
        pytest.skip(f"WCXB pages not found at {DATA_DIR} (set KBSMITH_WEB_PAGES_DIR)")
    pages = _held_out_pages()
    counts = []
    for title, paragraphs in pages:
        asked = questions(title, paragraphs)
        counts.append(len(asked))
        assert len(asked) <= 8, asked
        assert len({q.casefold() for q in asked}) == len(asked), asked
        for question in asked:
            assert question.endswith("?") and question[0].isupper(), (title, question)
            assert not BROKEN.search(question), (title, question)
    assert sum(n >= 3 for n in counts) >= 0.7 * len(pages), counts
