"""A text candidate's title from its first line: a whole sentence or whole words, never cut."""

from __future__ import annotations

import pytest

from kbsmith.generation.text import title_from_line

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
