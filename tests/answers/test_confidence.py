"""The answer-or-refuse model: what it reads of the ranked candidates, and how it decides."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from kbsmith.answers import confidence
from kbsmith.answers.confidence import Features
from kbsmith.answers.ranking import AnswerModel, Signals, shipped_model


@dataclass(frozen=True)
class Seen:
    """A candidate as the shipped model scores it."""

    signals: Signals

    @property
    def score(self) -> float:
        return shipped_model().score(self.signals)


CALIBRATION = Path(__file__).parents[2] / "bench" / "answers_calibration.json"

# title cosine, body cosine, title BM25, its share, title coverage, coverage, title precision;
# the question's terms and their weight (a question of 4 terms)
CLEAR = Seen(Signals(0.93, 0.55, 9.0, 0.9, 1.0, 1.0, 1.0, 4, 12.0))
NEIGHBOUR = Seen(Signals(0.70, 0.55, 4.0, 0.4, 0.5, 0.7, 0.5, 4, 12.0))
ALIKE = Seen(Signals(0.69, 0.55, 4.0, 0.4, 0.5, 0.7, 0.5, 4, 12.0))
FAR = Seen(Signals(0.2, 0.1, 0.0, 0.0, 0.1, 0.0, 0.0, 4, 12.0))


def expected(best: Seen, *others: Seen) -> Features:
    s = best.signals
    return Features(
        best.score,
        best.score - (others[0].score if others else 0.0),
        s.title_similarity,
        s.title_similarity - max((o.signals.title_similarity for o in others), default=0.0),
        s.coverage,
        s.title_coverage,
        s.body_similarity,
        s.title_precision,
        s.title_bm25_share,
        s.question_terms,
        s.question_weight,
    )


@pytest.mark.parametrize(
    ("ranked", "wanted"),
    [
        ([], None),
        ([CLEAR], expected(CLEAR)),
        ([CLEAR, NEIGHBOUR], expected(CLEAR, NEIGHBOUR)),
        ([NEIGHBOUR, ALIKE], expected(NEIGHBOUR, ALIKE)),
        # the title margin is over the best other title, whatever its score
        ([NEIGHBOUR, FAR, CLEAR], expected(NEIGHBOUR, FAR, CLEAR)),
    ],
)
def test_features_describe_the_best_and_its_lead(
    ranked: list[Seen], wanted: Features | None
) -> None:
    found = confidence.features(ranked)
    if wanted is None:
        assert found is None
    else:
        assert found == pytest.approx(wanted)


@pytest.mark.parametrize(
    ("ranked", "answers"),
    [
        ([], False),
        ([CLEAR, NEIGHBOUR], True),
        ([NEIGHBOUR, ALIKE], False),  # two alike neighbours: the right article is not there
        ([FAR], False),
    ],
)
def test_a_clear_best_answers_and_alike_neighbours_do_not(
    ranked: list[Seen], answers: bool
) -> None:
    assert confidence.answers(ranked) is answers


def test_the_same_features_answer_or_not_by_the_floor() -> None:
    ranked = [CLEAR, NEIGHBOUR]
    model = shipped_model()
    found = confidence.features(ranked)
    assert found is not None
    odds = confidence.log_odds(found, model.confidence_weights)
    at = AnswerModel(
        model.function_word_weight, model.score_weights, model.confidence_weights, odds
    )
    above = AnswerModel(
        model.function_word_weight, model.score_weights, model.confidence_weights, odds + 1e-6
    )
    assert confidence.answers(ranked, at)
    assert not confidence.answers(ranked, above)


def test_the_shipped_model_is_the_one_the_calibration_fitted() -> None:
    fitted = json.loads(CALIBRATION.read_text(encoding="utf-8"))["with the model"]
    assert AnswerModel.from_json(fitted) == shipped_model()
    assert list(shipped_model().confidence_weights) == list(confidence.FEATURE_NAMES)
