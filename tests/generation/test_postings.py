"""Postings in flat arrays answer what a dict of sets would, through adds, removals and
rebuilds."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kbsmith.generation.postings import Postings


def keys(*values: int) -> np.ndarray:
    return np.array(sorted(values), dtype=np.int64)


class Reference:
    """The dict-of-sets the postings must agree with."""

    def __init__(self) -> None:
        self.by_slot: dict[int, set[int]] = {}

    def holders(self, key: int) -> set[int]:
        return {s for s, held in self.by_slot.items() if key in held}


def agree(postings: Postings, reference: Reference, alive: np.ndarray, universe: range) -> None:
    asked = np.array(list(universe), dtype=np.int64)
    counts = postings.counts(asked)
    for key, count in zip(asked.tolist(), counts.tolist(), strict=True):
        assert count == len(reference.holders(key)), key
        found = postings.slots(np.array([key], dtype=np.int64), alive)
        assert set(found.tolist()) == reference.holders(key), key


@pytest.mark.parametrize("rebuild_every", [None, 7, 1])
@pytest.mark.parametrize("in_bulk", [False, True])
def test_random_adds_and_removals_agree_with_a_dict_of_sets(
    rebuild_every: int | None, in_bulk: bool
) -> None:
    rng = random.Random(3)
    postings, reference = Postings(), Reference()
    alive = np.zeros(400, dtype=np.bool_)
    slots: list[int] = []  # slot n holds reference.by_slot[n] while alive
    next_slot = 0  # slots are never reused before a rebuild
    for step in range(150):
        if slots and rng.random() < 0.3:
            gone = slots.pop(rng.randrange(len(slots)))
            postings.remove(gone)
            alive[gone] = False
            del reference.by_slot[gone]
        else:
            slot, next_slot = next_slot, next_slot + 1
            held = set(rng.sample(range(30), rng.randint(0, 6)))
            if in_bulk:  # a chunk of one slot, built by the next lookup or removal
                postings.add_many(np.full(len(held), slot, dtype=np.int32), keys(*held))
            else:
                postings.add(slot, keys(*held))
            alive[slot] = True
            reference.by_slot[slot] = held
            slots.append(slot)
        if rebuild_every and step % rebuild_every == 0:
            # renumber the living slots 0..n-1, as the workspace index does
            living = sorted(reference.by_slot)
            numbers = np.full(next_slot, -1, dtype=np.int64)
            numbers[living] = np.arange(len(living))
            postings.rebuild(numbers)
            reference.by_slot = {n: reference.by_slot[s] for n, s in enumerate(living)}
            slots = list(range(len(living)))
            next_slot = len(living)
            alive[:] = False
            alive[: len(living)] = True
        agree(postings, reference, alive, range(32))


@pytest.mark.parametrize(
    ("held", "asked", "expected"),
    [
        ({0: (1, 2), 1: (2, 3)}, (2,), {0, 1}),
        ({0: (1, 2), 1: (2, 3)}, (1, 3), {0, 1}),
        ({0: (1,), 1: (5,)}, (9,), set()),
        ({0: ()}, (1,), set()),
    ],
)
def test_slots_of_keys_after_a_rebuild(
    held: dict[int, tuple[int, ...]], asked: tuple[int, ...], expected: set[int]
) -> None:
    postings = Postings()
    for slot in sorted(held):
        postings.add(slot, keys(*held[slot]))
    postings.rebuild(np.arange(len(held), dtype=np.int64))
    alive = np.ones(len(held), dtype=np.bool_)
    assert set(postings.slots(keys(*asked), alive).tolist()) == expected
