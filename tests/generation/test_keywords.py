"""A draft's keywords: the content's own terms, ranked against the workspace, no UI words."""

from __future__ import annotations

import pytest

from kbsmith.generation.keywords import UI_ACTIONS, UI_WORDS, WorkspaceTerms, keywords
from kbsmith.generation.text import content_words

RESET = [
    "Click the Sign in button on the login page, then select Forgot password.",
    "Enter your email and click Send. The reset link arrives within a few minutes.",
    "A reset link works once. If the reset link has expired, get a new one from the menu.",
    "Customers with single sign-on (SSO) reset their password with their identity provider.",
]
INVOICES = [
    "## Export invoices\nOpen Billing and click Export to download every invoice as a CSV file.",
    "The CSV file lists the invoice number, the amount and the VAT of each invoice.",
    "Invoices of the last 12 months can be exported; older invoices are kept by Acme for 7 years.",
]
OTHER_ARTICLES = [
    "Your password and your account settings live on the account page.",
    "Change your password from the account page.",
    "Your account email and your password can be changed at any time.",
    "Invoices are sent by email every month; each invoice has a number.",
]


def _workspace(texts: list[str]) -> WorkspaceTerms:
    frequency: dict[str, int] = {}
    for text in texts:
        for term in set(content_words(text)):
            frequency[term] = frequency.get(term, 0) + 1
    return WorkspaceTerms(len(texts), frequency)


@pytest.mark.parametrize(
    ("title", "paragraphs", "first", "present"),
    [
        ("Reset your password", RESET, "reset link", {"password", "SSO"}),
        ("Export invoices", INVOICES, "invoices", {"CSV file", "VAT", "Acme"}),
    ],
)
def test_keywords_are_the_contents_own_terms(
    title: str, paragraphs: list[str], first: str, present: set[str]
) -> None:
    found = keywords(title, paragraphs, _workspace(OTHER_ARTICLES))
    assert first in found[:2], found
    assert present <= set(found), found
    assert 3 <= len(found) <= 8
    _assert_no_interface_words(found)


def test_terms_common_in_the_workspace_rank_below_rare_ones() -> None:
    text = [
        "Your password protects your account. Two-factor codes protect your account too.",
        "Two-factor codes come from an authenticator app.",
    ]
    alone = keywords("Security", text)
    against = keywords("Security", text, _workspace(OTHER_ARTICLES))
    assert alone.index("account") < alone.index("authenticator"), alone
    assert against.index("authenticator") < against.index("account"), against


@pytest.mark.parametrize(
    "text",
    [
        "Click the button, then select the menu and get the page you want.",
        "Customers sign in on the sign-in page and click Continue.",
    ],
)
def test_interface_words_are_never_keywords(text: str) -> None:
    _assert_no_interface_words(keywords("", [text]))


def _assert_no_interface_words(found: list[str]) -> None:
    """No interface word alone, no instruction to the interface in a term."""
    assert not set(found) & UI_WORDS, found
    assert not {w for k in found for w in k.casefold().split()} & UI_ACTIONS, found


def test_a_term_and_its_parts_are_one_keyword() -> None:
    found = keywords("", ["Reset links expire. A reset link works once. Reset links are free."])
    assert found.count("reset link") + found.count("reset links") == 1, found
    assert "reset" not in found and "link" not in found, found
