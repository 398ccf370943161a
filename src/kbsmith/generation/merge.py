"""Three-way merge of Markdown by paragraph, so an update never destroys a person's edit.

base: the text last generated from the source; ours: the article as it is now (maybe edited by
a person); theirs: the text generated now. Where only one side changed a region, that change
wins; where both changed it differently, the person's text is kept and the region is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Conflict:
    ours: list[str]
    theirs: list[str]


@dataclass(frozen=True)
class MergeResult:
    paragraphs: list[str]
    conflicts: list[Conflict]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def split_paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def merge3(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> MergeResult:
    merged: list[str] = []
    conflicts: list[Conflict] = []
    for base_part, our_part, their_part in _regions(base, ours, theirs):
        if our_part == their_part or their_part == base_part:
            merged += our_part
        elif our_part == base_part:
            merged += their_part
        elif _only_inserted(base_part, our_part):
            merged += _with_insertions(base_part, our_part, their_part)
        elif _only_inserted(base_part, their_part):
            merged += _with_insertions(base_part, their_part, our_part)
        else:
            merged += our_part
            conflicts.append(Conflict(list(our_part), list(their_part)))
    return MergeResult(merged, conflicts)


def _only_inserted(base: Sequence[str], side: Sequence[str]) -> bool:
    """``side`` kept every base paragraph, in order, and only added new ones."""
    remaining = iter(side)
    return all(any(item == candidate for candidate in remaining) for item in base)


def _with_insertions(
    base: Sequence[str], inserter: Sequence[str], changer: Sequence[str]
) -> list[str]:
    """The changed paragraphs of one side, with the paragraphs the other side added placed
    before them (when added before any base paragraph) or after them."""
    kept = set(base)
    seen_base = False
    before: list[str] = []
    after: list[str] = []
    for paragraph in inserter:
        if paragraph in kept:
            seen_base = True
        else:
            (after if seen_base else before).append(paragraph)
    return [*before, *changer, *after]


def union(ours: Sequence[str], theirs: Sequence[str]) -> MergeResult:
    """No common ancestor: keep everything the article says and add what is new."""
    present = set(ours)
    return MergeResult([*ours, *(p for p in theirs if p not in present)], [])


def _regions(
    base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]
) -> list[tuple[Sequence[str], Sequence[str], Sequence[str]]]:
    """Alternating stable and unstable regions, as in diff3: sync points are base ranges
    that both sides kept unchanged."""
    ours_sync = _matched(base, ours)
    theirs_sync = _matched(base, theirs)
    regions: list[tuple[Sequence[str], Sequence[str], Sequence[str]]] = []
    b = o = t = 0
    for base_index in range(len(base) + 1):
        at_end = base_index == len(base)
        if not at_end and not (base_index in ours_sync and base_index in theirs_sync):
            continue
        o_next = len(ours) if at_end else ours_sync[base_index]
        t_next = len(theirs) if at_end else theirs_sync[base_index]
        if (b, o, t) != (base_index, o_next, t_next):
            regions.append((base[b:base_index], ours[o:o_next], theirs[t:t_next]))
        if at_end:
            break
        regions.append(([base[base_index]], [ours[o_next]], [theirs[t_next]]))
        b, o, t = base_index + 1, o_next + 1, t_next + 1
    return regions


def _matched(base: Sequence[str], other: Sequence[str]) -> dict[int, int]:
    matcher = SequenceMatcher(a=list(base), b=list(other), autojunk=False)
    pairs: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            pairs[block.a + k] = block.b + k
    return pairs
