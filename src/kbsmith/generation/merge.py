"""Three-way merge of Markdown by paragraph: a source change is never lost, nor a person's edit.

base: the text last generated from the source; ours: the article as it is now (maybe edited by
a person); theirs: the text generated now from the source.

Each side is aligned with the base paragraph by paragraph (``align``): identical paragraphs by
difflib's SequenceMatcher, then, inside each changed stretch, a changed paragraph with the base
paragraph it rewrites, a split paragraph with the base paragraph it came from (and a joined one
with its base paragraphs), and a moved paragraph with its old place. Base paragraphs tied
together by a split or join on either side form one unit; every unit is decided on its own:

- the person left it as it was → the source's version (changed, split, moved or deleted);
- the source left it as it was → the person's version;
- both made it the same → that;
- both changed it differently → a conflict: the person's version stays in the merged text,
  the source's version goes to ``proposed`` (the text a reviewer may accept instead).

So a source change next to a person's edit is applied, however close. The order is the
source's; a paragraph the person added stays after the paragraph it followed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

SIMILAR = 0.5
"""A changed paragraph rewrites a base paragraph when their words overlap this much (Dice)."""
GROUPED = 0.8
"""A split (or join) needs this overlap between the base and the pieces put together."""
POSITIONAL = 0.01
"""A paragraph replaced by another in the same place, alike or not, rewrites it (as in diff3),
unless a better pairing exists."""
MOVED = 0.8
"""A paragraph deleted in one place and added in another is a move at this overlap."""
MAX_ALIGNED_CELLS = 900
"""Changed stretches larger than this (base by side paragraphs) are paired by place, and no
more moves than this are looked for: the merge runs in the saving transaction and must stay
fast (a 30 by 30 stretch aligns in about 0.1 s)."""


@dataclass(frozen=True)
class Conflict:
    """One unit changed by both sides: each side's paragraphs and the base's, as Markdown."""

    ours: str
    theirs: str
    base: str

    def as_json(self) -> dict[str, str]:
        return {"ours": self.ours, "theirs": self.theirs, "base": self.base}


@dataclass(frozen=True)
class MergeResult:
    paragraphs: list[str]
    """The merge; a conflict keeps the person's paragraphs."""
    proposed: list[str]
    """The same merge with the source's paragraphs at every conflict."""
    conflicts: list[Conflict]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def proposed_text(self) -> str:
        return "\n\n".join(self.proposed)


@dataclass(frozen=True)
class Piece:
    """Base paragraphs (indices) and the side's paragraphs (indices) they became. No base:
    the side added them; no side: the side deleted them."""

    base: tuple[int, ...]
    side: tuple[int, ...]


def split_paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def union(ours: Sequence[str], theirs: Sequence[str]) -> MergeResult:
    """No common ancestor: keep everything the article says and add what is new."""
    present = set(ours)
    merged = [*ours, *(p for p in theirs if p not in present)]
    return MergeResult(merged, merged, [])


# --- alignment ------------------------------------------------------------------------------


def align(base: Sequence[str], side: Sequence[str]) -> list[Piece]:
    """Every base and every side paragraph in exactly one piece; pieces in side order, then
    the deletions."""
    matcher = SequenceMatcher(a=list(base), b=list(side), autojunk=False)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces += [Piece((i1 + k,), (j1 + k,)) for k in range(i2 - i1)]
        else:
            pieces += _align_changed(base, side, i1, i2, j1, j2)
    return _pair_moves(base, side, pieces)


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.casefold()))


def similarity(a: str, b: str) -> float:
    """Dice overlap of the two texts' words (as multisets): 1 identical, 0 nothing shared."""
    return _dice(_words(a), _words(b))


def _dice(wa: Counter[str], wb: Counter[str]) -> float:
    total = wa.total() + wb.total()
    return 2 * (wa & wb).total() / total if total else 1.0


Step = tuple[int, int, float]
"""How many base and side paragraphs one alignment step takes, and what it scores."""


def _align_changed(
    base: Sequence[str], side: Sequence[str], i1: int, i2: int, j1: int, j2: int
) -> list[Piece]:
    """The best monotone alignment of a changed stretch (dynamic programming): 1↔1 rewrites,
    1↔2 splits and 2↔1 joins score their overlap; unpaired paragraphs were added or deleted.
    A stretch too large for that is paired by place."""
    m, n = i2 - i1, j2 - j1
    if m * n > MAX_ALIGNED_CELLS:
        paired = [Piece((i1 + k,), (j1 + k,)) for k in range(min(m, n))]
        return (
            paired
            + [Piece((), (j,)) for j in range(j1 + m, j2)]
            + [Piece((i,), ()) for i in range(i1 + n, i2)]
        )
    words_a = [_words(p) for p in base[i1:i2]]
    words_b = [_words(p) for p in side[j1:j2]]
    best: dict[tuple[int, int], tuple[float, Step | None]] = {(0, 0): (0.0, None)}
    for i in range(m + 1):
        for j in range(n + 1):
            if (i, j) == (0, 0):
                continue
            options: list[tuple[float, Step]] = []
            if i:
                options.append((best[i - 1, j][0], (1, 0, 0.0)))
            if j:
                options.append((best[i, j - 1][0], (0, 1, 0.0)))
            for di, dj in ((1, 1), (1, 2), (2, 1)):
                if i >= di and j >= dj:
                    score = _step_score(words_a[i - di : i], words_b[j - dj : j])
                    if score > 0:
                        options.append((best[i - di, j - dj][0] + score, (di, dj, score)))
            best[i, j] = max(options, key=lambda option: option[0])
    return _trace(best, m, n, i1, j1)


def _step_score(base: list[Counter[str]], side: list[Counter[str]]) -> float:
    sim = _dice(_joined(base), _joined(side))
    if (len(base), len(side)) == (1, 1):
        return sim if sim >= SIMILAR else POSITIONAL
    return sim * (len(base) + len(side)) / 2 if sim >= GROUPED else 0.0


def _joined(words: list[Counter[str]]) -> Counter[str]:
    return words[0] if len(words) == 1 else words[0] + words[1]


def _trace(
    best: dict[tuple[int, int], tuple[float, Step | None]], m: int, n: int, i1: int, j1: int
) -> list[Piece]:
    pieces: list[Piece] = []
    i, j = m, n
    while (i, j) != (0, 0):
        step = best[i, j][1]
        assert step is not None
        di, dj, _ = step
        pieces.append(Piece(tuple(range(i1 + i - di, i1 + i)), tuple(range(j1 + j - dj, j1 + j))))
        i, j = i - di, j - dj
    pieces.reverse()
    return pieces


def _pair_moves(base: Sequence[str], side: Sequence[str], pieces: list[Piece]) -> list[Piece]:
    """A base paragraph deleted here and a like paragraph added elsewhere: moved."""
    deleted = [p.base[0] for p in pieces if not p.side]
    added = [p.side[0] for p in pieces if not p.base]
    if len(deleted) * len(added) > MAX_ALIGNED_CELLS:
        return pieces
    base_words = {b: _words(base[b]) for b in deleted}
    side_words = {s: _words(side[s]) for s in added}
    scored = ((_dice(base_words[b], side_words[s]), b, s) for b in deleted for s in added)
    pairs = sorted((pair for pair in scored if pair[0] >= MOVED), reverse=True)
    moved: dict[int, int] = {}
    for _, b, s in pairs:
        if b not in moved and s not in moved.values():
            moved[b] = s
    if not moved:
        return pieces
    kept = [
        p
        for p in pieces
        if not (not p.side and p.base[0] in moved)
        and not (not p.base and p.side[0] in moved.values())
    ]
    kept += [Piece((b,), (s,)) for b, s in moved.items()]
    return sorted(kept, key=lambda p: (p.side[0] if p.side else len(side), p.base))


# --- merging --------------------------------------------------------------------------------


@dataclass
class _Unit:
    """Base paragraphs decided together, with what each side made of them."""

    base: list[int]
    ours: list[int] = field(default_factory=list)
    theirs: list[int] = field(default_factory=list)


def merge3(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> MergeResult:
    our_pieces, their_pieces = align(base, ours), align(base, theirs)
    units = _units(len(base), our_pieces, their_pieces)
    added_by_source = {theirs[s] for p in their_pieces if not p.base for s in p.side}
    tails = _tails(units, our_pieces, ours, added_by_source)
    kept: list[str] = []
    proposed: list[str] = []
    conflicts: list[Conflict] = []

    def emit(unit: _Unit | None) -> None:
        if unit is not None:
            ours_part, theirs_part, conflict = _decide(unit, base, ours, theirs)
            kept.extend(ours_part)
            proposed.extend(theirs_part)
            if conflict:
                conflicts.append(conflict)
        for item in tails.get(id(unit) if unit else None, []):
            if isinstance(item, str):
                kept.append(item)
                proposed.append(item)
            else:
                emit(item)

    emit(None)
    done: set[int] = set()
    for piece in their_pieces:
        if not piece.side:
            continue
        if not piece.base:
            kept.extend(theirs[s] for s in piece.side)
            proposed.extend(theirs[s] for s in piece.side)
            continue
        unit = units[piece.base[0]]
        if id(unit) not in done:
            done.add(id(unit))
            emit(unit)
    return MergeResult(kept, proposed, conflicts)


def _units(size: int, *sides: list[Piece]) -> dict[int, _Unit]:
    """Base index → its unit; base paragraphs that a split or join ties together share one."""
    parent = list(range(size))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pieces in sides:
        for piece in pieces:
            for other in piece.base[1:]:
                parent[root(other)] = root(piece.base[0])
    by_root: dict[int, _Unit] = {}
    for i in range(size):
        by_root.setdefault(root(i), _Unit([])).base.append(i)
    units = {i: by_root[root(i)] for i in range(size)}
    for pieces, attribute in ((sides[0], "ours"), (sides[1], "theirs")):
        for piece in pieces:
            if piece.base:
                getattr(units[piece.base[0]], attribute).extend(piece.side)
    for unit in by_root.values():
        unit.ours.sort()
        unit.theirs.sort()
    return units


TailItem = str | _Unit


def _tails(
    units: dict[int, _Unit], our_pieces: list[Piece], ours: Sequence[str], added: set[str]
) -> dict[int | None, list[TailItem]]:
    """What follows each unit that the source kept (key: its id; None: the start): the
    paragraphs the person added after it (but those the source added too: its copy is in
    place), and the units the source deleted that the person still has, in the person's
    order."""
    tails: dict[int | None, list[TailItem]] = {}
    anchor: int | None = None
    placed: set[int] = set()
    for piece in sorted(our_pieces, key=lambda p: p.side[0] if p.side else -1):
        if not piece.side:
            continue
        if not piece.base:
            tails.setdefault(anchor, []).extend(ours[s] for s in piece.side if ours[s] not in added)
            continue
        unit = units[piece.base[0]]
        if unit.theirs:
            anchor = id(unit)
        elif id(unit) not in placed:
            placed.add(id(unit))
            tails.setdefault(anchor, []).append(unit)
    return tails


def _decide(
    unit: _Unit, base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]
) -> tuple[list[str], list[str], Conflict | None]:
    """What the merge keeps of one unit, what it proposes, and the conflict if any."""
    base_part = [base[i] for i in unit.base]
    ours_part = [ours[i] for i in unit.ours]
    theirs_part = [theirs[i] for i in unit.theirs]
    if ours_part in (base_part, theirs_part):
        return theirs_part, theirs_part, None
    if theirs_part == base_part:
        return ours_part, ours_part, None
    conflict = Conflict(*("\n\n".join(part) for part in (ours_part, theirs_part, base_part)))
    return ours_part, theirs_part, conflict
