"""What the LLM writes is held to the offline writer's standard, its facts to the source's."""

from __future__ import annotations

import pytest

from kbsmith.generation.inputs import GenerationInput, WrittenArticle
from kbsmith.generation.llm.answers import InvalidAnswer
from kbsmith.generation.llm.grounding import checked, unsupported_facts
from kbsmith.generation.operations import Operation

SOURCE = (
    "# Reset your password\n\nOpen https://acme.test/reset and choose Forgot password.\n\n"
    'Reset links are valid for 24 hours. The error "Link expired" means the link is older.\n\n'
    "Accounts on the 1,000-seat plan reset through SSO."
)


@pytest.mark.parametrize(
    ("body", "invented"),
    [
        ("Reset links are valid for 24 hours.", []),
        ("Reset links are valid for 48 hours.", ["48"]),
        ("1. Open the reset page.\n2. Choose Forgot password.\n\n## Step 3\nDone.", []),
        ("Plans of 1000 seats use SSO.", []),
        ('If you see "Link expired", ask again.', []),
        ('If you see "Token invalid", ask again.', ['"Token invalid"']),
        ("Go to https://acme.test/reset.", []),
        (
            "Go to https://acme.test/help or call 555-0100.",
            ["https://acme.test/help", "555", "0100"],
        ),
    ],
)
def test_facts_the_source_does_not_state_are_found(body: str, invented: list[str]) -> None:
    assert unsupported_facts(body, SOURCE) == invented


def _inp() -> GenerationInput:
    return GenerationInput(
        title="Reset your password",
        paragraphs=SOURCE.split("\n\n")[1:],
        allowed=frozenset(Operation),
        candidates=[],
        folders=[],
    )


def test_an_invented_fact_is_sent_back_for_repair() -> None:
    written = WrittenArticle("Reset your password", "Links last 48 hours.", ["How?"], ["reset"])
    with pytest.raises(InvalidAnswer, match="mainKnowledge states what the source does not: 48"):
        checked(written, _inp())


def test_the_models_article_is_put_to_standard() -> None:
    written = WrittenArticle(
        title="Reset your password",
        main_knowledge="# Reset your password\n\nReset links are valid for 24 hours.\n\n"
        "Open https://acme.test/reset and choose Forgot password.",
        questions=["What should I know about reset Password?", "How long is a reset link valid?"],
        keywords=["click", "reset link", "button"],
    )
    fixed = checked(written, _inp())
    assert fixed.main_knowledge.startswith("Reset links are valid")
    assert fixed.questions[:2] == ["How long is a reset link valid?", "How do I reset my password?"]
    assert 3 <= len(fixed.questions) <= 8
    assert fixed.keywords == ["reset link"]
