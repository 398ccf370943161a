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
        Done on flat arrays (no array per slot), slots as int32, each part copied into arrays
        sized once and let go as it is copied, each temporary let go as soon as it is used:
        ~21 bytes per posting at the peak (8 once built)."""
        lengths = np.diff(self._slot_starts)
        total = int(self._slot_starts[-1]) + self.recent_postings
        flat = np.empty(total, dtype=np.int64)
        slots = np.empty(total, dtype=np.int32)
        filled = len(self._slot_keys)
        np.take(self._keys, self._slot_keys, out=flat[:filled], mode="clip")  # unbuffered
        slots[:filled] = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        self._keys, self._slot_keys = _EMPTY_KEYS, np.empty(0, dtype=np.int32)
        for slot, keys in self._recent_of.items():
            flat[filled : filled + len(keys)] = keys
            slots[filled : filled + len(keys)] = slot
            filled += len(keys)
        self._recent_of, self._removed = {}, set()
        bulk, self._bulk = self._bulk, []
        bulk.reverse()
        while bulk:
            chunk_slots, keys = bulk.pop()  # the chunk goes once copied
            flat[filled : filled + len(keys)] = keys
            slots[filled : filled + len(keys)] = chunk_slots
            filled += len(keys)
            del chunk_slots, keys
        slots = renumbered.astype(np.int32)[slots]
        if len(slots) and int(slots.min()) < 0:
            kept = slots >= 0
            flat, slots = flat[kept], slots[kept]
            del kept
        self._build(flat, slots, int(renumbered.max(initial=-1)) + 1)

    def _build(self, flat: Keys, slots: np.ndarray[Any, np.dtype[np.int32]], count: int) -> None:
        """*flat* and *slots* are the caller's no longer: *flat* is sorted in place."""
        # each slot's keys together, slots in order (as they mostly come), then by key
        if len(slots) > 1 and not bool(np.all(slots[1:] >= slots[:-1])):
            by_slot = np.argsort(slots, kind="stable")
            flat, slots = flat[by_slot], slots[by_slot]
            del by_slot
        self._slot_starts = np.concatenate(
            [[0], np.cumsum(np.bincount(slots, minlength=count))]
        ).astype(np.int64)
        order = np.argsort(flat, kind="stable")
        self._slots = slots[order]
        del slots
        flat.sort()  # the keys in order, in place (the same values as flat[order])
        # keys in order, told apart where they change (np.unique would sort them again)
        changes = np.ones(len(flat), dtype=np.bool_)
        changes[1:] = flat[1:] != flat[:-1]
        starts = np.flatnonzero(changes)
        self._keys = flat[starts]
        self._starts = np.append(starts, len(flat)).astype(np.int64)
        del flat, starts
        self._counts = np.diff(self._starts).astype(np.int32)
        # each posting's key index, in slot order: the running count of key changes, put
        # back where each sorted posting came from
        key_index = np.cumsum(changes, dtype=np.int32)
        del changes
        key_index -= 1
        self._slot_keys = np.empty(len(key_index), dtype=np.int32)
        self._slot_keys[order] = key_index
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
