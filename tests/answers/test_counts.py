"""Recently counted terms: fresh counts are known, stale or evicted ones are counted again."""

from __future__ import annotations

import uuid

import pytest

from kbsmith.answers.counts import TermCounts

HERE = uuid.UUID(int=1)
THERE = uuid.UUID(int=2)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("later", "asked", "known"),
    [
        (0.0, ["virus", "mask"], {"virus": 12, "mask": 500}),
        (59.9, ["virus"], {"virus": 12}),
        (60.0, ["virus", "mask"], {}),  # stale at the TTL: counted again
        (0.0, ["virus", "unknown"], {"virus": 12}),  # never counted
    ],
)
def test_counts_are_known_until_they_are_stale(
    later: float, asked: list[str], known: dict[str, int]
) -> None:
    clock = Clock()
    counts = TermCounts(ttl=60.0, clock=clock)
    counts.remember(HERE, {"virus": 12, "mask": 500})
    clock.now = later
    assert counts.known(HERE, asked) == known


def test_a_term_no_passage_holds_is_counted_again_each_time() -> None:
    counts = TermCounts(clock=Clock())
    counts.remember(HERE, {"virus": 12, "refund": 0})
    assert counts.known(HERE, ["virus", "refund"]) == {"virus": 12}
    counts.remember(HERE, {"virus": 0})  # its passages were deleted: no longer known either
    assert counts.known(HERE, ["virus"]) == {}


def test_workspaces_do_not_share_counts() -> None:
    counts = TermCounts(clock=Clock())
    counts.remember(HERE, {"virus": 12})
    assert counts.known(THERE, ["virus"]) == {}
    assert counts.known(HERE, ["virus"]) == {"virus": 12}


@pytest.mark.parametrize(
    ("stored", "kept"),
    [
        (["a", "b", "c"], {"b", "c"}),  # the oldest goes
        (["a", "b", "a"], {"a", "b"}),  # storing again renews: still 2
    ],
)
def test_past_the_bound_the_least_recently_stored_go(stored: list[str], kept: set[str]) -> None:
    counts = TermCounts(max_entries=2, clock=Clock())
    for term in stored:
        counts.remember(HERE, {term: 1})
    assert len(counts) <= 2
    assert set(counts.known(HERE, ["a", "b", "c"])) == kept


def test_a_stale_count_is_forgotten() -> None:
    clock = Clock()
    counts = TermCounts(ttl=1.0, clock=clock)
    counts.remember(HERE, {"virus": 12})
    clock.now = 5.0
    assert counts.known(HERE, ["virus"]) == {}
    assert len(counts) == 0
