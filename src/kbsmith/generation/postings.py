"""Key → article slots, in flat arrays: a sorted base built in bulk, and the slots added since.

A Python set per key costs ~60 bytes per posting and an object per article; here a posting
costs 8 bytes (its slot, and its key's index for the slot's removal), so a workspace of
100,000 articles fits in tens of MiB. Removed slots stay in the arrays (the caller's
``alive`` mask hides them) until the next `rebuild`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Slots = np.ndarray[Any, np.dtype[np.int64]]
Keys = np.ndarray[Any, np.dtype[np.int64]]

_EMPTY_KEYS: Keys = np.empty(0, dtype=np.int64)


class Postings:
    def __init__(self) -> None:
        self._keys: Keys = _EMPTY_KEYS
        self._starts = np.zeros(1, dtype=np.int64)
        self._slots = np.empty(0, dtype=np.int32)
        self._counts = np.empty(0, dtype=np.int32)
        """Per base key: how many of its slots are still there."""
        self._slot_starts = np.zeros(1, dtype=np.int64)
        self._slot_keys = np.empty(0, dtype=np.int32)
        """Per base slot (rows of _slot_starts): the indexes of its keys in _keys."""
        self._recent_of: dict[int, Keys] = {}
        self._recent: dict[int, list[int]] | None = {}
        self._bulk: list[tuple[Slots, Keys]] = []
        self._removed: set[int] = set()
        """Chunks of many slots added at once (a workspace loading): flat, until `rebuild`."""

    @property
    def size(self) -> int:
        """Postings in the base."""
        return len(self._slots)

    @property
    def recent_postings(self) -> int:
        return sum(len(k) for k in self._recent_of.values()) + sum(len(k) for _, k in self._bulk)

    @property
    def bulk_pending(self) -> bool:
        return bool(self._bulk)

    def add_many(self, slots: Slots, keys: Keys) -> None:
        """Postings of new slots (each slot's keys together), past every slot added before."""
        self._bulk.append((slots, keys))

    def add(self, slot: int, keys: Keys) -> None:
        """A slot past every base slot (slots are never reused before `rebuild`)."""
        self._recent_of[slot] = keys
        if self._recent is not None:
            for key in keys.tolist():
                self._recent.setdefault(key, []).append(slot)

    def remove(self, slot: int) -> None:
        if slot + 1 >= len(self._slot_starts) and slot not in self._recent_of and self._bulk:
            self._absorb()  # a slot of a bulk chunk: rare (loaded and removed at once)
        self._removed.add(slot)
        keys = self._recent_of.pop(slot, None)
        if keys is not None:
            if self._recent is not None:
                for key in keys.tolist():
                    self._recent[key].remove(slot)
            return
        if slot + 1 < len(self._slot_starts):
            start, end = self._slot_starts[slot], self._slot_starts[slot + 1]
            np.subtract.at(self._counts, self._slot_keys[start:end], 1)

    def rebuild(self, renumbered: np.ndarray[Any, np.dtype[np.int64]]) -> None:
        """A fresh base, every slot numbered as *renumbered* says (-1: gone), nothing recent.
        Done on flat arrays (no array per slot), slots as int32, each temporary let go as soon
        as it is used: 100,000 articles' 1.5 million postings peak at ~60 MiB."""
        lengths = np.diff(self._slot_starts)
        parts_keys = [self._keys[self._slot_keys]]
        parts_slots = [np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)]
        for slot, keys in self._recent_of.items():
            parts_keys.append(keys)
            parts_slots.append(np.full(len(keys), slot, dtype=np.int32))
        for chunk_slots, keys in self._bulk:
            parts_keys.append(keys)
            parts_slots.append(chunk_slots.astype(np.int32, copy=False))
        self._bulk, self._recent_of, self._removed = [], {}, set()
        flat = np.concatenate(parts_keys).astype(np.int64, copy=False)
        del parts_keys
        numbers = renumbered.astype(np.int32)
        slots = numbers[np.concatenate(parts_slots)]
        del parts_slots
        if len(slots) and int(slots.min()) < 0:
            kept = slots >= 0
            flat, slots = flat[kept], slots[kept]
            del kept
        self._build(flat, slots, int(renumbered.max(initial=-1)) + 1)

    def _build(self, flat: Keys, slots: np.ndarray[Any, np.dtype[np.int32]], count: int) -> None:
        # each slot's keys together, slots in order (as they mostly come), then by key
        if len(slots) > 1 and not bool(np.all(slots[1:] >= slots[:-1])):
            by_slot = np.argsort(slots, kind="stable")
            flat, slots = flat[by_slot], slots[by_slot]
            del by_slot
        order = np.argsort(flat, kind="stable")
        self._slot_starts = np.concatenate(
            [[0], np.cumsum(np.bincount(slots, minlength=count))]
        ).astype(np.int64)
        self._slots = slots[order]
        del slots
        ordered = flat[order]
        del order
        # keys in order, told apart where they change (np.unique would sort them again)
        changes = np.ones(len(ordered), dtype=np.bool_)
        changes[1:] = ordered[1:] != ordered[:-1]
        starts = np.flatnonzero(changes)
        del changes
        self._keys = ordered[starts]
        del ordered
        self._starts = np.append(starts, len(flat)).astype(np.int64)
        self._counts = np.diff(self._starts).astype(np.int32)
        # each posting's key index, in slot order (the order of flat)
        self._slot_keys = np.searchsorted(self._keys, flat).astype(np.int32)
        self._recent = {}

    def _absorb(self) -> None:
        """The bulk chunks into the base, slots numbered as they are (the removed left out)."""
        last = max(
            [
                len(self._slot_starts) - 2,
                *self._recent_of,
                *self._removed,
                *(int(s.max(initial=-1)) for s, _ in self._bulk),
            ]
        )
        numbers = np.arange(last + 1, dtype=np.int64)
        numbers[list(self._removed)] = -1
        self.rebuild(numbers)

    def _recent_lists(self) -> dict[int, list[int]]:
        if self._recent is None:
            recent: dict[int, list[int]] = {}
            for slot, keys in self._recent_of.items():
                for key in keys.tolist():
                    recent.setdefault(key, []).append(slot)
            self._recent = recent
        return self._recent

    def counts(self, keys: Keys) -> np.ndarray[Any, np.dtype[np.int64]]:
        """How many slots hold each key."""
        if self._bulk:
            self._absorb()
        found = np.zeros(len(keys), dtype=np.int64)
        if len(self._keys):
            at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
            hit = self._keys[at] == keys
            found[hit] = self._counts[at[hit]]
        recent = self._recent_lists()
        if recent:
            for i, key in enumerate(keys.tolist()):
                found[i] += len(recent.get(key, ()))
        return found

    def slots(self, keys: Keys, alive: np.ndarray[Any, np.dtype[np.bool_]]) -> Slots:
        """The living slots that hold any of *keys*, once per (key, slot)."""
        if self._bulk:
            self._absorb()
        parts: list[np.ndarray[Any, Any]] = []
        if len(self._keys) and len(keys):
            at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
            for index in at[self._keys[at] == keys].tolist():
                parts.append(self._slots[self._starts[index] : self._starts[index + 1]])
        recent = self._recent_lists()
        if recent:
            for key in keys.tolist():
                if key in recent:
                    parts.append(np.array(recent[key], dtype=np.int32))
        if not parts:
            return np.empty(0, dtype=np.int64)
        found = np.concatenate(parts).astype(np.int64)
        return found[alive[found]]
