"""The offline writer: the body under its title, never the title said twice."""

from __future__ import annotations

import pytest

from kbsmith.generation.inputs import GenerationInput
from kbsmith.generation.operations import Operation
from kbsmith.generation.text import without_title
from kbsmith.generation.writing import write

BODY = ["Open the sign-in page and choose Forgot password.", "Links are valid for 24 hours."]


@pytest.mark.parametrize(
    ("paragraphs", "titles", "body"),
    [
        (["# Reset your password\n" + BODY[0], BODY[1]], ("Reset your password",), BODY),
        (["# Reset your password", *BODY], ("Reset your password",), BODY),
        (["Reset your password", *BODY], ("Reset your password",), BODY),
        (["## Reset Your  Password\n" + BODY[0], BODY[1]], ("reset your password",), BODY),
        (
            ["# Reset your password\n" + BODY[0], BODY[1]],
            ("Reset your password | Acme Help", "Reset your password"),
            BODY,
        ),
        (["# Passwords\n" + BODY[0], BODY[1]], ("Reset your password",), None),
        (["Reset your password links expire.", BODY[1]], ("Reset your password",), None),
    ],
)
def test_the_title_is_not_repeated_in_the_body(
    paragraphs: list[str], titles: tuple[str, ...], body: list[str] | None
) -> None:
    assert without_title(paragraphs, *titles) == (paragraphs if body is None else body)


def test_a_written_article_does_not_start_with_its_title() -> None:
    written = write(
        GenerationInput(
            title="Reset your password | Acme Help",
            paragraphs=["# Reset your password\n" + BODY[0], BODY[1]],
            allowed=frozenset(Operation),
            candidates=[],
            folders=[],
        )
    )
    assert written.title == "Reset your password"
    assert written.main_knowledge == "\n\n".join(BODY)
    assert written.questions[0] == "How do I reset my password?"
    assert 3 <= len(written.questions) <= 8
