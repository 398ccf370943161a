"""What the LLM is told about each candidate article."""

from __future__ import annotations

import uuid

from kbsmith.generation.inputs import Candidate, GenerationInput, ScoredCandidate
from kbsmith.generation.llm.prompts import decision_messages
from kbsmith.generation.operations import ALL_OPERATIONS


def candidate(title: str, *, sibling: bool) -> ScoredCandidate:
    article = Candidate(uuid.uuid4(), title, "Body.", ["Q?"], uuid.uuid4(), False, None, 1)
    return ScoredCandidate(article, 0.8, 0.9, 0.8, 0.2, True, sibling=sibling)


def test_a_sibling_page_is_named_as_such_in_the_decision_prompt() -> None:
    inp = GenerationInput(
        title="ALTER TABLE",
        paragraphs=["Changes a table."],
        allowed=ALL_OPERATIONS,
        candidates=[
            candidate("ALTER FOREIGN TABLE", sibling=True),
            candidate("Alter table", sibling=False),
        ],
        folders=[],
    )
    prompt = str(decision_messages(inp, 6000)[-1]["content"])
    foreign, person = prompt.split("[Article 2]")
    assert "another page of the same site" in foreign
    assert "another page of the same site" not in person
