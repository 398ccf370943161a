"""The three-way paragraph merge, case by case: a source change is never lost, nor an edit."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kbsmith.generation.merge import Conflict, align, merge3, split_paragraphs, union

TITLE = "# Plans and prices"
INTRO = "Every plan is billed monthly and can be cancelled at any time from the billing page."
TABLE = "| Plan | Price |\n|---|---|\n| Basic | $15 |\n| Pro | $40 |"
UPGRADE = "Upgrades take effect at once and are prorated for the rest of the month."
REFUND = "Refunds are issued to the original payment method within ten business days."
CONTACT = "Contact support from the help menu if a charge looks wrong."
BASE = [TITLE, INTRO, TABLE, UPGRADE, REFUND, CONTACT]

TABLE_18 = TABLE.replace("$15", "$18")
INTRO_NEW = "Every plan is billed monthly or yearly and can be cancelled at any time from billing."
UPGRADE_EDIT = "Upgrades take effect immediately and are prorated; our agents can backdate them."
UPGRADE_SOURCE = (
    "Upgrades take effect at the next billing cycle and are not prorated for the month."
)
REFUND_EDIT = "Refunds go back to the original payment method within ten business days (often 3)."
NOTE = "Support tip: agents can resend invoices from the admin console."
NEW = "Annual plans get two months free when paid upfront by card or invoice."
UPGRADE_FIRST = "Upgrades take effect at once."
UPGRADE_SECOND = "They are prorated for the rest of the month."


def replaced(paragraphs: list[str], old: str, new: str | None) -> list[str]:
    if new is None:
        return [p for p in paragraphs if p != old]
    return [new if p == old else p for p in paragraphs]


def after(paragraphs: list[str], anchor: str, *added: str) -> list[str]:
    at = paragraphs.index(anchor) + 1
    return [*paragraphs[:at], *added, *paragraphs[at:]]


@dataclass(frozen=True)
class Case:
    ours: list[str]
    theirs: list[str]
    merged: list[str]
    proposed: list[str] | None = None
    """The text with the source's version at conflicts; None: the same as ``merged``."""
    conflicts: list[Conflict] = field(default_factory=list)


CASES: dict[str, Case] = {
    "no edits, no change": Case(BASE, BASE, BASE),
    "source-only change": Case(
        BASE, replaced(BASE, TABLE, TABLE_18), replaced(BASE, TABLE, TABLE_18)
    ),
    "person-only change": Case(
        replaced(BASE, UPGRADE, UPGRADE_EDIT), BASE, replaced(BASE, UPGRADE, UPGRADE_EDIT)
    ),
    "source change next to an edit ($15 -> $18)": Case(
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        replaced(BASE, TABLE, TABLE_18),
        replaced(replaced(BASE, UPGRADE, UPGRADE_EDIT), TABLE, TABLE_18),
    ),
    "source change two paragraphs above an edit": Case(
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        replaced(BASE, INTRO, INTRO_NEW),
        replaced(replaced(BASE, UPGRADE, UPGRADE_EDIT), INTRO, INTRO_NEW),
    ),
    "edits and changes interleaved": Case(
        replaced(replaced(BASE, UPGRADE, UPGRADE_EDIT), INTRO, NOTE),
        replaced(replaced(BASE, TABLE, TABLE_18), REFUND, None),
        [TITLE, NOTE, TABLE_18, UPGRADE_EDIT, CONTACT],
    ),
    "both changed the same paragraph: conflict": Case(
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        replaced(replaced(BASE, UPGRADE, UPGRADE_SOURCE), TABLE, TABLE_18),
        replaced(replaced(BASE, UPGRADE, UPGRADE_EDIT), TABLE, TABLE_18),
        replaced(replaced(BASE, UPGRADE, UPGRADE_SOURCE), TABLE, TABLE_18),
        [Conflict(UPGRADE_EDIT, UPGRADE_SOURCE, UPGRADE)],
    ),
    "both made the same change": Case(
        replaced(BASE, TABLE, TABLE_18),
        replaced(BASE, TABLE, TABLE_18),
        replaced(BASE, TABLE, TABLE_18),
    ),
    "source added a paragraph": Case(
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        after(BASE, UPGRADE, NEW),
        after(replaced(BASE, UPGRADE, UPGRADE_EDIT), UPGRADE_EDIT, NEW),
    ),
    "source removed a paragraph next to an edit": Case(
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        replaced(BASE, REFUND, None),
        replaced(replaced(BASE, UPGRADE, UPGRADE_EDIT), REFUND, None),
    ),
    "source moved a paragraph the person edited": Case(
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        [TITLE, UPGRADE, INTRO, TABLE, REFUND, CONTACT],
        [TITLE, UPGRADE_EDIT, INTRO, TABLE, REFUND, CONTACT],
    ),
    "source moved a paragraph and changed another": Case(
        replaced(BASE, REFUND, REFUND_EDIT),
        [TITLE, CONTACT, INTRO, TABLE_18, UPGRADE, REFUND],
        [TITLE, CONTACT, INTRO, TABLE_18, UPGRADE, REFUND_EDIT],
    ),
    "source split a paragraph": Case(
        replaced(BASE, REFUND, REFUND_EDIT),
        replaced(after(BASE, UPGRADE, UPGRADE_SECOND), UPGRADE, UPGRADE_FIRST),
        replaced(
            after(replaced(BASE, REFUND, REFUND_EDIT), UPGRADE, UPGRADE_SECOND),
            UPGRADE,
            UPGRADE_FIRST,
        ),
    ),
    "source split a paragraph the person edited: conflict": Case(
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        replaced(after(BASE, UPGRADE, UPGRADE_SECOND), UPGRADE, UPGRADE_FIRST),
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        replaced(after(BASE, UPGRADE, UPGRADE_SECOND), UPGRADE, UPGRADE_FIRST),
        [Conflict(UPGRADE_EDIT, f"{UPGRADE_FIRST}\n\n{UPGRADE_SECOND}", UPGRADE)],
    ),
    "source joined two paragraphs": Case(
        BASE,
        replaced(replaced(BASE, REFUND, None), UPGRADE, f"{UPGRADE} {REFUND}"),
        replaced(replaced(BASE, REFUND, None), UPGRADE, f"{UPGRADE} {REFUND}"),
    ),
    "person added a paragraph, source changed the one before": Case(
        after(BASE, TABLE, NOTE),
        replaced(BASE, TABLE, TABLE_18),
        after(replaced(BASE, TABLE, TABLE_18), TABLE_18, NOTE),
    ),
    "person added a paragraph after one the source removed": Case(
        after(BASE, REFUND, NOTE),
        replaced(BASE, REFUND, None),
        after(replaced(BASE, REFUND, None), UPGRADE, NOTE),
    ),
    "both added the same paragraph": Case(
        after(BASE, TABLE, NEW), after(BASE, TABLE, NEW), after(BASE, TABLE, NEW)
    ),
    "person deleted a paragraph the source left alone": Case(
        replaced(BASE, REFUND, None),
        replaced(BASE, TABLE, TABLE_18),
        replaced(replaced(BASE, REFUND, None), TABLE, TABLE_18),
    ),
    "person deleted a paragraph the source changed: conflict": Case(
        replaced(BASE, TABLE, None),
        replaced(BASE, TABLE, TABLE_18),
        replaced(BASE, TABLE, None),
        replaced(BASE, TABLE, TABLE_18),
        [Conflict("", TABLE_18, TABLE)],
    ),
    "person edited a paragraph the source deleted: conflict": Case(
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        replaced(BASE, UPGRADE, None),
        replaced(BASE, UPGRADE, UPGRADE_EDIT),
        replaced(BASE, UPGRADE, None),
        [Conflict(UPGRADE_EDIT, "", UPGRADE)],
    ),
    "source rewrote everything, nobody edited": Case(BASE, [TITLE, NEW], [TITLE, NEW]),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_merge(case: Case) -> None:
    result = merge3(BASE, case.ours, case.theirs)
    assert result.paragraphs == case.merged
    assert result.proposed == (case.merged if case.proposed is None else case.proposed)
    assert result.conflicts == case.conflicts


def test_no_source_change_is_lost_around_an_edit_wherever_it_is() -> None:
    """Every paragraph edited by a person against every paragraph changed at the source."""
    for edited in range(len(BASE)):
        for changed in range(len(BASE)):
            ours = [f"{p} (edited by a person)" if i == edited else p for i, p in enumerate(BASE)]
            theirs = [
                f"{p} (changed at the source)" if i == changed else p for i, p in enumerate(BASE)
            ]
            result = merge3(BASE, ours, theirs)
            if edited == changed:
                assert result.paragraphs == ours and len(result.conflicts) == 1
                assert result.proposed == theirs
            else:
                assert theirs[changed] in result.paragraphs and ours[edited] in result.paragraphs
                assert result.conflicts == [] and len(result.paragraphs) == len(BASE)


ALIGNMENTS = {
    "identical": ([TITLE, INTRO], [TITLE, INTRO], [((0,), (0,)), ((1,), (1,))]),
    "rewrite": ([INTRO], [INTRO_NEW], [((0,), (0,))]),
    "replaced in place": ([INTRO], [NEW], [((0,), (0,))]),
    "added and deleted": ([TITLE, INTRO], [NEW, TITLE], [((), (0,)), ((0,), (1,)), ((1,), ())]),
    "split": ([UPGRADE], [UPGRADE_FIRST, UPGRADE_SECOND], [((0,), (0, 1))]),
    "move": (
        [TITLE, INTRO, REFUND],
        [REFUND, TITLE, INTRO],
        [((2,), (0,)), ((0,), (1,)), ((1,), (2,))],
    ),
}


@pytest.mark.parametrize(("base", "side", "pieces"), ALIGNMENTS.values(), ids=ALIGNMENTS.keys())
def test_align(
    base: list[str], side: list[str], pieces: list[tuple[tuple[int, ...], tuple[int, ...]]]
) -> None:
    assert sorted((p.base, p.side) for p in align(base, side)) == sorted(pieces)


def test_split_paragraphs_and_union() -> None:
    assert split_paragraphs("a\r\n\r\nb\n\n\n\n c \n\n") == ["a", "b", "c"]
    result = union([INTRO, NOTE], [INTRO, NEW])
    assert result.paragraphs == result.proposed == [INTRO, NOTE, NEW]
    assert result.conflicts == []
