"""Which passages of the best article an offline answer quotes."""

from __future__ import annotations

import math
import uuid

import pytest

from kbsmith.answers.answering import answering_passages, passage_fits
from kbsmith.answers.passages import PassageKind
from kbsmith.answers.retrieval import Candidate, Passage

OPENING = "Acme was founded in 1999 and sells outdoor gear in twelve countries."
REFUNDS = "You get a refund within 30 days of delivery when the item is unused."
SHIPPING = "Orders ship within two days; delivery takes three to five days."
EXCHANGES = "Exchanges of sizes are free within 30 days of delivery."


def article(*bodies: str, opening_similarity: float = 0.6) -> Candidate:
    passages = [Passage(0, PassageKind.TITLE, "Acme store policies", None)]
    passages += [Passage(i + 1, PassageKind.BODY, text, None) for i, text in enumerate(bodies)]
    # only the title and the opening have a vector (``passages.EMBEDDED_BODY_PASSAGES``)
    return Candidate(
        uuid.uuid4(), "Acme store policies", 0, passages, {0: 0.7, 1: opening_similarity}
    )


@pytest.mark.parametrize(
    ("question", "bodies", "quoted"),
    [
        # the passage that holds the question's words, not the embedded opening
        ("How do I get a refund?", (OPENING, REFUNDS, SHIPPING), [REFUNDS]),
        ("When do orders ship?", (OPENING, REFUNDS, SHIPPING), [SHIPPING]),
        # two passages hold as much of it: both, in the article's order
        (
            "Refunds or exchanges within 30 days?",
            (OPENING, EXCHANGES, REFUNDS),
            [EXCHANGES, REFUNDS],
        ),
        # no passage holds any of its words: the opening, the closest by meaning
        ("Who are you?", (OPENING, REFUNDS, SHIPPING), [OPENING]),
        ("Can I get my money back?", (OPENING,), [OPENING]),
    ],
)
def test_the_passages_holding_the_question_are_quoted(
    question: str, bodies: tuple[str, ...], quoted: list[str]
) -> None:
    assert [p.text for p in answering_passages(question, article(*bodies))] == quoted


def test_an_article_without_a_body_quotes_its_title() -> None:
    title_only = Candidate(
        uuid.uuid4(), "Opening hours", 0, [Passage(0, PassageKind.TITLE, "Opening hours", None)]
    )
    assert [p.text for p in answering_passages("When are you open?", title_only)] == [
        "Opening hours"
    ]


@pytest.mark.parametrize(
    ("question", "passages", "fits"),
    [
        # "delivery" is in both: it tells them apart less than "refund" does
        ("refund after delivery", [REFUNDS, SHIPPING], [1.0, math.log(2) / math.log(6)]),
        ("refund", [REFUNDS, SHIPPING], [1.0, 0.0]),
        ("nothing here", [REFUNDS, SHIPPING], [0.0, 0.0]),
        ("", [REFUNDS], [0.0]),
    ],
)
def test_a_word_held_by_fewer_passages_weighs_more(
    question: str, passages: list[str], fits: list[float]
) -> None:
    assert passage_fits(question, passages) == pytest.approx(fits, abs=1e-4)


def test_with_no_word_in_common_the_opening_is_quoted_even_when_its_cosine_is_negative() -> None:
    opening_far = article(OPENING, REFUNDS, SHIPPING, opening_similarity=-0.05)
    assert [p.text for p in answering_passages("Who are you?", opening_far)] == [OPENING]
