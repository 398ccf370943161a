"""The answer-or-refuse model: what it reads of the ranked candidates, and how it decides."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kbsmith.answers import confidence
from kbsmith.answers.confidence import Features
from kbsmith.answers.retrieval import RARE_TERMS_WEIGHT, SEMANTIC_WEIGHT


@dataclass(frozen=True)
class Seen:
    score: float
    coverage: float = 0.5
    cosines: dict[str, float] = field(default_factory=dict)

    def similarity_of(self, *kinds: str) -> float:
        return max((self.cosines.get(k, 0.0) for k in kinds), default=0.0)


CALIBRATION = Path(__file__).parents[2] / "bench" / "answers_calibration.json"

CLEAR = Seen(0.9, 1.0, {"title": 0.92, "question": 0.95, "body": 0.5})
NEIGHBOUR = Seen(0.72, 0.4, {"title": 0.7, "body": 0.6})
ALIKE = Seen(0.71, 0.4, {"title": 0.69, "body": 0.6})


@pytest.mark.parametrize(
    ("ranked", "expected"),
    [
        ([], None),
        ([CLEAR], Features(0.9, 0.9, 1.0, 0.95, 0.5)),
        ([CLEAR, NEIGHBOUR], Features(0.9, 0.9 - 0.72, 1.0, 0.95, 0.5)),
        ([NEIGHBOUR, ALIKE], Features(0.72, 0.72 - 0.71, 0.4, 0.7, 0.6)),
    ],
)
def test_features_describe_the_best_and_its_lead(
    ranked: list[Seen], expected: Features | None
) -> None:
    found = confidence.features(ranked)
    if expected is None:
        assert found is None
    else:
        assert found == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ranked", "answers"),
    [
        ([], False),
        ([CLEAR, NEIGHBOUR], True),
        ([NEIGHBOUR, ALIKE], False),  # two alike neighbours: the right article is not there
        ([Seen(0.3, 0.2, {"title": 0.3})], False),
    ],
)
def test_a_clear_best_answers_and_alike_neighbours_do_not(
    ranked: list[Seen], answers: bool
) -> None:
    assert confidence.answers(ranked) is answers


def test_the_same_features_answer_or_not_by_the_floor() -> None:
    ranked = [CLEAR, NEIGHBOUR]
    found = confidence.features(ranked)
    assert found is not None
    odds = confidence.log_odds(found)
    assert confidence.answers(ranked, floor=odds)
    assert not confidence.answers(ranked, floor=odds + 1e-6)


def test_the_shipped_model_is_the_one_the_calibration_fitted() -> None:
    fitted = json.loads(CALIBRATION.read_text(encoding="utf-8"))["with the model"]
    assert list(confidence.WEIGHTS) == fitted["weights"]
    assert fitted["floor"] == confidence.FLOOR
    assert len(confidence.WEIGHTS) == len(confidence.FEATURE_NAMES)
    assert fitted["semantic_weight"] == SEMANTIC_WEIGHT
    assert fitted["rare_terms_weight"] == RARE_TERMS_WEIGHT
