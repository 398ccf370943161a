"""The paragraph diff a reviewer reads: each case is (before, after, expected changes)."""

from __future__ import annotations

import pytest

from kbsmith.knowledge.diff import Change, Op, diff_texts

A, B, C, D = "Alpha one.", "Bravo two.", "Charlie three.", "Delta four."

CASES: dict[str, tuple[str, str, list[Change]]] = {
    "identical": (f"{A}\n\n{B}", f"{A}\n\n{B}", [Change(Op.SAME, A, A), Change(Op.SAME, B, B)]),
    "added at the end": (
        A,
        f"{A}\n\n{B}",
        [Change(Op.SAME, A, A), Change(Op.ADDED, None, B)],
    ),
    "removed in the middle": (
        f"{A}\n\n{B}\n\n{C}",
        f"{A}\n\n{C}",
        [Change(Op.SAME, A, A), Change(Op.REMOVED, B, None), Change(Op.SAME, C, C)],
    ),
    "changed in place": (
        f"{A}\n\n{B}",
        f"{A}\n\n{D}",
        [Change(Op.SAME, A, A), Change(Op.CHANGED, B, D)],
    ),
    "two replaced by three": (
        f"{A}\n\n{B}",
        f"{C}\n\n{D}\n\n{A}x",
        [Change(Op.CHANGED, A, C), Change(Op.CHANGED, B, D), Change(Op.ADDED, None, f"{A}x")],
    ),
    "three replaced by one": (
        f"{A}\n\n{B}\n\n{C}",
        D,
        [Change(Op.CHANGED, A, D), Change(Op.REMOVED, B, None), Change(Op.REMOVED, C, None)],
    ),
    "blank lines and CRLF are not paragraphs": (
        f"{A}\r\n\r\n\r\n\r\n{B}\n",
        f"\n\n{A}\n\n{B}",
        [Change(Op.SAME, A, A), Change(Op.SAME, B, B)],
    ),
    "from nothing": ("", f"{A}\n\n{B}", [Change(Op.ADDED, None, A), Change(Op.ADDED, None, B)]),
    "to nothing": (A, "", [Change(Op.REMOVED, A, None)]),
    "a multi-line paragraph is one unit": (
        f"{A}\n{B}",
        f"{A}\n{C}",
        [Change(Op.CHANGED, f"{A}\n{B}", f"{A}\n{C}")],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_paragraph_changes(case: str) -> None:
    before, after, expected = CASES[case]
    assert diff_texts(before, after) == expected
