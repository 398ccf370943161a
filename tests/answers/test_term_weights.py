"""Rare terms weigh more in the score: the weights and the weighted share of terms held."""

from __future__ import annotations

import pytest

from kbsmith.answers.retrieval import COMMON_TERM_PASSAGES, term_weight, weighted_coverage


@pytest.mark.parametrize(
    ("rarer", "commoner"),
    [(0, 1), (1, 10), (10, 100), (100, COMMON_TERM_PASSAGES - 1)],
)
def test_a_rarer_term_weighs_more(rarer: int, commoner: int) -> None:
    assert term_weight(rarer) > term_weight(commoner) > 0


@pytest.mark.parametrize("passages", [COMMON_TERM_PASSAGES, COMMON_TERM_PASSAGES * 3])
def test_a_term_as_common_as_the_bound_weighs_nothing(passages: int) -> None:
    assert term_weight(passages) == 0.0


@pytest.mark.parametrize(
    ("weights", "held", "share"),
    [
        ({"quarantine": 3.0, "long": 1.0}, {"quarantine"}, 0.75),
        ({"quarantine": 3.0, "long": 1.0}, {"long"}, 0.25),
        ({"quarantine": 3.0, "long": 1.0}, {"quarantine", "long", "other"}, 1.0),
        ({"quarantine": 3.0}, set(), 0.0),
        ({"long": 0.0}, {"long"}, 0.0),  # only terms that weigh nothing
        ({}, {"long"}, 0.0),
    ],
)
def test_the_weighted_share_of_terms_held(
    weights: dict[str, float], held: set[str], share: float
) -> None:
    assert weighted_coverage(weights, held) == pytest.approx(share)
