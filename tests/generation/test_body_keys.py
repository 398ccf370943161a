"""New content and an article are compared paragraph for paragraph in the same terms."""

from __future__ import annotations

import pytest

from kbsmith.generation.features import body_for_embedding, body_keys
from kbsmith.generation.text import body_chunks

ANSWER = "Wash your hands often.\n\nKeep a distance of two metres."

CASES = {
    "a question line is the title, not body": (
        ("How do I stay safe?", f"How do I stay safe?\n\n{ANSWER}"),
        ("How do I stay safe?", ANSWER),
    ),
    "a question run into its answer's first line": (
        ("How do I stay safe?", f"How do I stay safe?\n{ANSWER}"),
        ("Staying safe", ANSWER),
    ),
    "the title heading merged into the first paragraph": (
        ("Staying safe", f"# Staying safe\n\n{ANSWER}"),
        ("Staying safe", ANSWER),
    ),
    "section headings do not make paragraphs differ": (
        (
            "Safety",
            "## Hands\n\nWash your hands often.\n\n## Distance\n\nKeep a distance of two metres.",
        ),
        ("Safety", ANSWER),
    ),
    "emphasis and spacing do not matter": (
        ("Safety", "Wash your **hands**  often.\n\nKeep a distance of two metres."),
        ("Safety", ANSWER),
    ),
}


@pytest.mark.parametrize(("new", "article"), CASES.values(), ids=CASES.keys())
def test_the_same_paragraphs_have_the_same_keys(
    new: tuple[str, str], article: tuple[str, str]
) -> None:
    assert body_keys(*new) == body_keys(*article)


def test_a_first_sentence_is_kept_when_it_is_not_the_title() -> None:
    keys = body_keys("Refunds", "Refunds take five days. Ask support if it takes longer.")
    assert keys == {"refunds take five days ask support if it takes longer"}


def test_different_answers_have_different_keys() -> None:
    assert not body_keys("Q", ANSWER) & body_keys("Q", "Stay at home when you are ill.")


BODY_OPENING_CASES = {
    "the title heading is not the opening": (
        ("Staying safe", "# Staying safe\n\nWash your **hands** often."),
        "Wash your hands often.",
    ),
    "the heading of a page title with the site's name": (
        ("Staying safe | Acme Help", "# Staying safe\n\nWash your hands often."),
        "Wash your hands often.",
    ),
    "other headings stay": (
        ("Safety", "## Hands\n\nWash your hands often."),
        "Hands\nWash your hands often.",
    ),
    "no body": (("Safety", ""), ""),
}


@pytest.mark.parametrize(
    ("given", "expected"), BODY_OPENING_CASES.values(), ids=BODY_OPENING_CASES.keys()
)
def test_body_for_embedding_is_the_opening_passage_under_the_title(
    given: tuple[str, str], expected: str
) -> None:
    assert body_for_embedding(*given) == expected


def test_the_opening_is_the_answers_first_passage_of_the_written_article() -> None:
    title, text = "Staying safe", "# Staying safe\n\nWash your hands often.\n\nStay home."
    article_body = "Wash your hands often.\n\nStay home."
    assert body_for_embedding(title, text) == body_chunks(article_body, 1)[0]
