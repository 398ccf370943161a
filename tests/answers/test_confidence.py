"""The answer-or-refuse model: what it reads of the ranked candidates, and how it decides."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from kbsmith.answers import confidence
from kbsmith.answers.confidence import Features
from kbsmith.answers.ranking import AnswerModel, Signals, TitleMatch, shipped_model

# a question of the content terms "quarantine" (rare) and "long"
QUARANTINE = 4.0
LONG = 1.0
BOTH = TitleMatch(frozenset({"quarantin", "long"}), {}, QUARANTINE + LONG)
ONLY_LONG = TitleMatch(frozenset({"long"}), {"quarantin": QUARANTINE}, QUARANTINE + LONG)
NEITHER = TitleMatch(frozenset(), {"quarantin": QUARANTINE, "long": LONG}, QUARANTINE + LONG)


@dataclass(frozen=True)
class Seen:
    """A candidate as the shipped model scores it."""

    signals: Signals
    title_match: TitleMatch

    @property
    def score(self) -> float:
        return shipped_model().score(self.signals)


CALIBRATION = Path(__file__).parents[2] / "bench" / "answers_calibration.json"

# title cosine, body cosine, title BM25, its share, title coverage, coverage, title precision;
# the question's terms and their weight (a question of 4 terms); the share of its content terms
# in the title, the weight of the rarest the title lacks, and of the rarest the article lacks;
# the share of its content terms no passage holds
CLEAR = Seen(Signals(0.93, 0.55, 9.0, 0.9, 1.0, 1.0, 1.0, 4, 12.0, 1.0, 0.0, 0.0, 0.0), BOTH)
NEIGHBOUR = Seen(
    Signals(0.70, 0.55, 4.0, 0.4, 0.5, 0.7, 0.5, 4, 12.0, 0.2, QUARANTINE, 0.0, 0.25), ONLY_LONG
)
ALIKE = Seen(
    Signals(0.69, 0.55, 4.0, 0.4, 0.5, 0.7, 0.5, 4, 12.0, 0.2, QUARANTINE, 0.0, 0.25), ONLY_LONG
)
FAR = Seen(
    Signals(0.2, 0.1, 0.0, 0.0, 0.1, 0.0, 0.0, 4, 12.0, 0.0, QUARANTINE, QUARANTINE, 0.0), NEITHER
)


def expected(best: Seen, *others: Seen, elsewhere: tuple[float, float] = (0.0, 0.0)) -> Features:
    """``elsewhere``: the share and the rarest weight of the content terms the best's title
    lacks and another's holds."""
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
        s.content_title_coverage,
        s.missing_from_title,
        s.missing_from_article,
        *elsewhere,
        s.unseen_share,
    )


@pytest.mark.parametrize(
    ("ranked", "wanted"),
    [
        ([], None),
        ([CLEAR], expected(CLEAR)),
        ([CLEAR, NEIGHBOUR], expected(CLEAR, NEIGHBOUR)),
        # ALIKE's title lacks "quarantine" too: nothing of it is held elsewhere
        ([NEIGHBOUR, ALIKE], expected(NEIGHBOUR, ALIKE)),
        # the title margin is over the best other title, whatever its score; CLEAR's title
        # holds the "quarantine" NEIGHBOUR's lacks
        (
            [NEIGHBOUR, FAR, CLEAR],
            expected(NEIGHBOUR, FAR, CLEAR, elsewhere=(QUARANTINE / 5, QUARANTINE)),
        ),
        # a title past the rivals read is not
        (
            [NEIGHBOUR, *[FAR] * confidence.RIVALS, CLEAR],
            expected(NEIGHBOUR, *[FAR] * confidence.RIVALS, CLEAR),
        ),
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
    assert confidence.judged(ranked).answers is answers


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
    assert confidence.judged(ranked, at).answers
    assert not confidence.judged(ranked, above).answers


def test_the_shipped_model_is_the_one_the_calibration_fitted() -> None:
    fitted = json.loads(CALIBRATION.read_text(encoding="utf-8"))["with the model"]
    assert AnswerModel.from_json(fitted) == shipped_model()
    assert list(shipped_model().confidence_weights) == list(confidence.FEATURE_NAMES)


@pytest.mark.parametrize("ranked", [[CLEAR, FAR], [NEIGHBOUR, ALIKE], [FAR], []])
def test_the_probability_passes_the_floors_exactly_when_the_model_answers(
    ranked: list[Seen],
) -> None:
    model = shipped_model()
    found = confidence.judged(ranked, model).probability
    assert 0.0 <= found <= 1.0
    at_the_floor = 1.0 / (1.0 + math.exp(-model.floor))
    assert (found >= at_the_floor) == confidence.judged(ranked, model).answers


@pytest.mark.parametrize(
    ("odds", "probability"),
    [(-800.0, 0.0), (-3.0, 0.0474259), (0.0, 0.5), (3.0, 0.9525741), (800.0, 1.0)],
)
def test_the_probability_holds_for_any_log_odds(odds: float, probability: float) -> None:
    model = AnswerModel(0.0, {}, {"bias": odds}, 0.0)
    assert confidence.judged([CLEAR], model).probability == pytest.approx(probability, abs=1e-7)
