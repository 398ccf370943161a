"""What of an article is searchable, and what of it gets a vector."""

from __future__ import annotations

import pytest

from kbsmith.answers.passages import (
    EMBEDDED_BODY_PASSAGES,
    PassageKind,
    article_passages,
)

LONG_PARAGRAPH = "Open Settings and choose Security to change how you sign in. " * 8


@pytest.mark.parametrize("body_paragraphs", [1, EMBEDDED_BODY_PASSAGES, 8])
def test_title_questions_and_the_opening_passages_are_embedded_keywords_and_the_rest_not(
    body_paragraphs: int,
) -> None:
    body = "\n\n".join(f"{n}. {LONG_PARAGRAPH}" for n in range(body_paragraphs))
    passages = article_passages("Sign-in options", ["How do I sign in?"], ["sso", "2fa"], body)
    kinds = [(p.kind, p.embedded) for p in passages]
    assert kinds[:3] == [
        (PassageKind.TITLE, True),
        (PassageKind.QUESTION, True),
        (PassageKind.KEYWORDS, False),
    ]
    bodies = [p for p in passages if p.kind is PassageKind.BODY]
    assert len(bodies) == body_paragraphs  # two paragraphs together are over PASSAGE_CHARS
    embedded = [p.embedded for p in bodies]
    shown = min(body_paragraphs, EMBEDDED_BODY_PASSAGES)
    assert embedded == [True] * shown + [False] * (body_paragraphs - shown)
