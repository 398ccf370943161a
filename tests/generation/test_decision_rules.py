"""The offline decision as a table: which operation, on which article, for which signals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest

from kbsmith.generation.decision import Thresholds, decide
from kbsmith.generation.inputs import (
    Candidate,
    FolderOption,
    GenerationInput,
    NoFittingOperation,
    ScoredCandidate,
)
from kbsmith.generation.operations import ALL_OPERATIONS, Operation
from kbsmith.generation.topic import ClearMatch

FOLDER = FolderOption(uuid.uuid4(), "Help", "Help", 0.4)
THRESHOLDS = Thresholds(same_topic=0.5, same_content=0.8, clear_match=None)
STANDING_OUT = Thresholds(
    same_topic=0.99, same_content=0.8, clear_match=ClearMatch(least=0.95, lead=5.0, rivals=4)
)
"""Also a topic under the threshold that stands out: p >= 0.95, e^5 times any rival's odds."""


def scored(title: str, **signals: float | bool) -> ScoredCandidate:
    candidate = Candidate(uuid.uuid4(), title, "body", [], FOLDER.id, False, None, 1)
    values: dict[str, float | bool] = {
        "score": 0.5,
        "title_similarity": 0.5,
        "body_similarity": 0.5,
        "containment": 0.0,
        "title_agreement": False,
    }
    values.update(signals)
    return ScoredCandidate(candidate=candidate, **values)  # type: ignore[arg-type]


def rivals(same_topic: float) -> list[ScoredCandidate]:
    return [scored(f"Rival {n}", same_topic=same_topic) for n in range(4)]


@dataclass
class Case:
    candidates: list[ScoredCandidate]
    operation: Operation | None
    """None: no allowed operation fits (the job fails)."""
    target: str | None = None
    allowed: frozenset[Operation] = ALL_OPERATIONS
    unchanged: bool = False
    folders: list[FolderOption] = field(default_factory=lambda: [FOLDER])
    thresholds: Thresholds = THRESHOLDS


CASES = {
    "nothing close: a new article in the best folder": Case(
        [scored("Billing", same_topic=0.1)], Operation.ADD
    ),
    "same topic by meaning: update it": Case(
        [scored("Refunds", same_topic=0.9, containment=0.2)], Operation.UPDATE, "Refunds"
    ),
    "the most probable topic wins, not the first by retrieval score": Case(
        [
            scored("Card delivery", same_topic=0.6, score=0.9),
            scored("Card arrival", same_topic=0.95, score=0.7),
        ],
        Operation.UPDATE,
        "Card arrival",
    ),
    "everything already said: nothing to change": Case(
        [scored("Refunds", same_topic=0.99, containment=1.0)], Operation.NOTHING, "Refunds"
    ),
    "repeated content decides whatever the topic model says": Case(
        [scored("Old name", same_topic=0.0, containment=0.85)], Operation.UPDATE, "Old name"
    ),
    "another page of the same site is another topic": Case(
        [scored("Reset (iOS)", same_topic=0.97, sibling=True)], Operation.ADD
    ),
    "a sibling that repeats the content is the same": Case(
        [scored("Mirror", same_topic=0.2, sibling=True, containment=0.9)],
        Operation.UPDATE,
        "Mirror",
    ),
    "the source's own article first, even if another scores higher": Case(
        [scored("Other", same_topic=0.99), scored("Own", linked=True, same_topic=0.3)],
        Operation.UPDATE,
        "Own",
    ),
    "own article and an unchanged source: nothing": Case(
        [scored("Own", linked=True)], Operation.NOTHING, "Own", unchanged=True
    ),
    "same topic but UPDATE not allowed: nothing": Case(
        [scored("Refunds", same_topic=0.9)],
        Operation.NOTHING,
        "Refunds",
        allowed=frozenset({Operation.ADD, Operation.NOTHING}),
    ),
    "same topic and only ADD allowed: refused, never a duplicate": Case(
        [scored("Refunds", same_topic=0.9)], None, allowed=frozenset({Operation.ADD})
    ),
    "new topic and ADD not allowed: refused": Case(
        [scored("Billing", same_topic=0.1)],
        None,
        allowed=frozenset({Operation.UPDATE, Operation.NOTHING}),
    ),
    "no folder yet: a first folder is created": Case([], Operation.ADD, folders=[]),
    "under the threshold but far ahead of every rival: the topic": Case(
        [scored("Refunds", same_topic=0.97), *rivals(0.1)],
        Operation.UPDATE,
        "Refunds",
        thresholds=STANDING_OUT,
    ),
    "under the threshold with a rival close behind: a new article": Case(
        [scored("Refunds", same_topic=0.97), *rivals(0.1)[:3], scored("Returns", same_topic=0.9)],
        Operation.ADD,
        thresholds=STANDING_OUT,
    ),
    "far ahead, but of too few rivals to mean anything: a new article": Case(
        [scored("Refunds", same_topic=0.97), *rivals(0.001)[:3]],
        Operation.ADD,
        thresholds=STANDING_OUT,
    ),
    "far ahead, but not probable enough: a new article": Case(
        [scored("Refunds", same_topic=0.9), *rivals(0.0001)],
        Operation.ADD,
        thresholds=STANDING_OUT,
    ),
    "far ahead, but another page of the same site: a new article": Case(
        [scored("Refunds (iOS)", same_topic=0.97, sibling=True), *rivals(0.01)],
        Operation.ADD,
        thresholds=STANDING_OUT,
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_decision(case: Case) -> None:
    inp = GenerationInput(
        title="New content",
        paragraphs=["Some text."],
        allowed=case.allowed,
        candidates=sorted(case.candidates, key=lambda c: (c.linked, c.score), reverse=True),
        folders=case.folders,
        source_label="docs.example.com",
        unchanged_since_last_generation=case.unchanged,
    )
    if case.operation is None:
        with pytest.raises(NoFittingOperation):
            decide(inp, case.thresholds)
        return
    decision = decide(inp, case.thresholds)
    assert decision.operation is case.operation, decision.reason
    title = decision.target.candidate.title if decision.target else None
    assert title == case.target
    if case.operation is Operation.ADD:
        assert decision.folder == (case.folders[0] if case.folders else None)
        assert (decision.new_folder_title is None) == bool(case.folders)


def test_a_topic_that_stands_out_says_so() -> None:
    """The reviewer sees why content went onto an article under the threshold."""
    candidates = [scored("Refunds", same_topic=0.97), *rivals(0.1)]
    inp = GenerationInput(
        title="New content",
        paragraphs=["Some text."],
        allowed=ALL_OPERATIONS,
        candidates=candidates,
        folders=[FOLDER],
        source_label="docs.example.com",
        unchanged_since_last_generation=False,
    )
    decision = decide(inp, STANDING_OUT)
    assert decision.operation is Operation.UPDATE
    assert "probability 0.97, far ahead of every other article" in decision.reason
