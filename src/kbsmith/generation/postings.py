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
BLOCK = 1 << 20
"""Postings per block of a build's temporaries."""
SLOT_BITS = (1 << 32) - 1
"""A sorted posting's slot: its low 32 bits (its key's index above them)."""


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
        self._recent_counts: tuple[Keys, Keys] | None = None
        """The recent postings' keys (sorted, unique) and how many slots hold each: for
        `counts`, made again after a change."""
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
        self._recent_counts = None
        if self._recent is not None:
            for key in keys.tolist():
                self._recent.setdefault(key, []).append(slot)

    def remove(self, slot: int) -> None:
        if slot + 1 >= len(self._slot_starts) and slot not in self._recent_of and self._bulk:
            self._absorb()  # a slot of a bulk chunk: rare (loaded and removed at once)
        self._removed.add(slot)
        keys = self._recent_of.pop(slot, None)
        if keys is not None:
            self._recent_counts = None
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
        sized once (and let go once copied), each temporary let go as soon as it is used:
        ~20 bytes per posting at the peak, 8 once built."""
        flat, slots = self._collected()
        slots = renumbered.astype(np.int32)[slots]
        if len(slots) and int(slots.min()) < 0:
            kept = slots >= 0
            flat, slots = flat[kept], slots[kept]
            del kept
        handed = [flat, slots]
        del flat, slots  # _build lets them go as it goes: no reference left here
        self._build(handed, int(renumbered.max(initial=-1)) + 1)

    def _collected(self) -> tuple[Keys, np.ndarray[Any, np.dtype[np.int32]]]:
        """Every posting's key and slot, in one array each; the postings left empty."""
        lengths = np.diff(self._slot_starts)
        total = int(self._slot_starts[-1]) + self.recent_postings
        flat = np.empty(total, dtype=np.int64)
        slots = np.empty(total, dtype=np.int32)
        filled = len(self._slot_keys)
        np.take(self._keys, self._slot_keys, out=flat[:filled], mode="clip")  # unbuffered
        slots[:filled] = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        self._keys, self._slot_keys = _EMPTY_KEYS, np.empty(0, dtype=np.int32)
        parts: list[tuple[np.ndarray[Any, Any], Keys]] = [
            (np.full(len(k), s, np.int32), k) for s, k in self._recent_of.items()
        ]
        self._recent_of, self._removed = {}, set()
        self._recent_counts = None
        parts.extend(self._bulk)
        self._bulk = []
        parts.reverse()
        while parts:
            part_slots, keys = parts.pop()  # the part goes once copied
            flat[filled : filled + len(keys)] = keys
            slots[filled : filled + len(keys)] = part_slots
            filled += len(keys)
            del part_slots, keys
        return flat, slots

    def _build(self, handed: list[np.ndarray[Any, Any]], count: int) -> None:
        """From [keys, slots] of every posting (the list emptied: each array let go here as
        soon as it is used). Each posting as one int64 (its key's index, then its slot),
        sorted in place: no index array from the sort, other temporaries a block at a time."""
        flat, slots = handed
        handed.clear()
        # each slot's keys together, slots in order (as they mostly come)
        if len(slots) > 1 and not bool(np.all(slots[1:] >= slots[:-1])):
            by_slot = np.argsort(slots, kind="stable")
            flat, slots = flat[by_slot], slots[by_slot]
            del by_slot
        self._slot_starts = np.concatenate(
            [[0], np.cumsum(np.bincount(slots, minlength=count))]
        ).astype(np.int64)
        blocks = range(0, len(flat), BLOCK)
        self._keys = np.unique(
            np.concatenate([_EMPTY_KEYS, *(np.unique(flat[i : i + BLOCK]) for i in blocks)])
        )
        # each posting's key index, in slot order
        self._slot_keys = np.empty(len(flat), dtype=np.int32)
        for i in blocks:
            self._slot_keys[i : i + BLOCK] = np.searchsorted(self._keys, flat[i : i + BLOCK])
        del flat
        postings = self._slot_keys.astype(np.int64)
        postings <<= 32
        postings |= slots
        del slots
        postings.sort()  # by key, then slot
        self._slots = np.empty(len(postings), dtype=np.int32)
        for i in blocks:
            self._slots[i : i + BLOCK] = postings[i : i + BLOCK] & SLOT_BITS
        del postings
        self._counts = np.bincount(self._slot_keys, minlength=len(self._keys)).astype(np.int32)
        self._starts = np.concatenate([[0], np.cumsum(self._counts)]).astype(np.int64)
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
        recent, holders = self._counted_recent()
        if len(recent):
            at = np.minimum(np.searchsorted(recent, keys), len(recent) - 1)
            hit = recent[at] == keys
            found[hit] += holders[at[hit]]
        return found

    def _counted_recent(self) -> tuple[Keys, Keys]:
        if self._recent_counts is None:
            held = np.concatenate([_EMPTY_KEYS, *self._recent_of.values()])
            unique, holders = np.unique(held, return_counts=True)
            self._recent_counts = (unique, holders.astype(np.int64))
        return self._recent_counts

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
