"""An article added while a job decided: the same topic (by the configured thresholds) or not."""

from __future__ import annotations

import pytest

from kbsmith.generation.decision import Thresholds, repeats_added_article
from kbsmith.generation.features import lexical_features

PARAGRAPHS = (
    "Open Settings and choose Security to see the password options.",
    "Choose Reset, type the code we email you, and pick a new password.",
    "The new password works at once on every device you use.",
    "Old sessions stay signed in until they expire after a day.",
    "Contact support when the email with the code does not arrive.",
)


def text(*indices: int) -> str:
    return "\n\n".join(PARAGRAPHS[i] for i in indices)


@pytest.mark.parametrize(
    ("theirs_title", "theirs_text", "same_content", "repeats"),
    [
        ("Reset your password", text(4), 0.8, True),  # same title, other words
        ("Change the password", text(0, 1, 2, 3), 0.8, True),  # 4 of 5 paragraphs: 0.8
        ("Change the password", text(0, 1, 2), 0.8, False),  # 3 of 5: 0.6
        ("Change the password", text(0, 1, 2), 0.6, True),  # a configured lower bar
        ("Change the password", text(0, 1, 2, 3), 0.9, False),  # a configured higher bar
        ("Export invoices", "Open Billing and choose Export.", 0.8, False),
    ],
)
def test_an_added_article_repeats_this_topic_by_the_configured_thresholds(
    theirs_title: str, theirs_text: str, same_content: float, repeats: bool
) -> None:
    mine = lexical_features("Reset your password", text(0, 1, 2, 3, 4))
    theirs = lexical_features(theirs_title, theirs_text)
    thresholds = Thresholds(same_content=same_content)
    assert repeats_added_article(mine, theirs, thresholds) is repeats
