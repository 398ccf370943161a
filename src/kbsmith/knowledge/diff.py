"""Paragraph-level changes between two texts: what a reviewer reads as a redline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from kbsmith.generation.merge import split_paragraphs


class Op(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    SAME = "same"


@dataclass(frozen=True)
class Change:
    op: Op
    before: str | None
    after: str | None


def diff_texts(before: str, after: str) -> list[Change]:
    return diff_paragraphs(split_paragraphs(before), split_paragraphs(after))


def diff_paragraphs(before: Sequence[str], after: Sequence[str]) -> list[Change]:
    """In the order of ``after``; a replaced stretch pairs paragraphs by place as changes and
    reports the rest of the longer side as added or removed."""
    changes: list[Change] = []
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [Change(Op.SAME, p, p) for p in before[i1:i2]]
            continue
        old, new = before[i1:i2], after[j1:j2]
        paired = min(len(old), len(new))
        changes += [Change(Op.CHANGED, o, n) for o, n in zip(old, new, strict=False)]
        changes += [Change(Op.REMOVED, o, None) for o in old[paired:]]
        changes += [Change(Op.ADDED, None, n) for n in new[paired:]]
    return changes
