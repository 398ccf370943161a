"""A text candidate's title from its first line: a whole sentence or whole words, never cut."""

from __future__ import annotations

import pytest

from kbsmith.generation.text import clean_title, title_from_line

LONG = (
    "Customers on the annual plan can change the billing contact at any time from the "
    "Billing page of the dashboard without contacting support first"
)


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("Reset your password", "Reset your password"),
        ("# Reset your password", "Reset your password"),
        ("Reset your password. Open Settings and choose Security.", "Reset your password"),
        ("How do I reset my password? Open Settings.", "How do I reset my password?"),
        ("  Exports   include every invoice.  ", "Exports include every invoice"),
        (
            LONG,
            "Customers on the annual plan can change the billing contact at any time from the "
            "Billing page of the dashboard without",
        ),
        ("x" * 130, "x" * 120),  # one word longer than the limit: cut, there is no boundary
        ("", ""),
    ],
)
def test_a_title_from_a_first_line_is_never_cut_mid_word(line: str, title: str) -> None:
    assert title_from_line(line) == title
    assert len(title_from_line(line)) <= 120


@pytest.mark.parametrize(
    ("title", "host", "cleaned"),
    [
        ("Reset your password | Acme Help", "", "Reset your password"),
        ("Reset your password · Acme Help Center", "", "Reset your password"),
        ("Invoices - Acme Docs", "docs.acme.com", "Invoices"),
        ("Invoices \u2013 AcmeCorp", "help.acme-corp.com", "Invoices"),
        # a weaker separator before words that are not the site's: the page's subject
        ("Troubleshooting - Login issues", "help.acme.com", "Troubleshooting - Login issues"),
        ("Step 3 - Connect your bank", "", "Step 3 - Connect your bank"),
        ("FAQ: Refunds", "acme.com", "FAQ: Refunds"),
        ("Reset your password - Acme Help Center", "help.acme.com", "Reset your password"),
        (
            "Advanced Usage \u2014 Requests 2.33 documentation",
            "requests.readthedocs.io",
            "Advanced Usage",
        ),
        ("Hooks at a Glance \u2013 React", "legacy.reactjs.org", "Hooks at a Glance"),
        # the top-level domain and 'www' name no site
        ("Setup - Com", "example.com", "Setup - Com"),
        ("Setup - WWW", "www.example.com", "Setup - WWW"),
        # only the last part goes, the rest kept as written
        (
            "Individual Health \u2013 Family Medical Insurance | bcbs.com",
            "www.bcbs.com",
            "Individual Health \u2013 Family Medical Insurance",
        ),
        (
            "A long tail | that is more than five words long",
            "",
            "A long tail | that is more than five words long",
        ),
        ("  Reset   your password  ", "", "Reset your password"),
        ("| Acme", "", "| Acme"),
    ],
)
def test_a_trailing_site_name_is_dropped(title: str, host: str, cleaned: str) -> None:
    assert clean_title(title, host) == cleaned
