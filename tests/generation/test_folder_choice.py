"""A new article's folder: where its closest articles are, and beside a clearly nearest one."""

from __future__ import annotations

import uuid

import pytest

from kbsmith.generation.inputs import Candidate, ScoredCandidate
from kbsmith.generation.retrieval import FolderRow, score_folders
from kbsmith.generation.text import title_terms

BILLING = FolderRow(uuid.uuid4(), "Billing", "Billing")
REPORTS = FolderRow(uuid.uuid4(), "Reports", "Reports")
EXPORTS = FolderRow(uuid.uuid4(), "Exports", "Exports")  # no article yet


def scored(folder: FolderRow, score: float) -> ScoredCandidate:
    candidate = Candidate(uuid.uuid4(), "an article", "", [], folder.id, False, None, 1)
    return ScoredCandidate(candidate, score, score, score, 0.0, False)


@pytest.mark.parametrize(
    ("scores", "title", "best"),
    [
        # "Export receipts": "Export invoices" in Billing is near-identical, Reports holds
        # three loosely related articles; their average (0.6) beat Billing's (0.47) before
        ({BILLING: [0.9, 0.3, 0.2], REPORTS: [0.62, 0.6, 0.58]}, "Export receipts", BILLING),
        # no article clearly nearest: the folder whose 3 closest are closer on average
        ({BILLING: [0.7, 0.3, 0.2], REPORTS: [0.65, 0.6, 0.58]}, "Export receipts", REPORTS),
        ({BILLING: [0.5, 0.45], REPORTS: [0.3]}, "Refunds", BILLING),
        # an empty folder fits by its title only when no article is close
        ({BILLING: [0.1], REPORTS: [0.05]}, "Exports", EXPORTS),
        ({}, "Reports of the month", REPORTS),
    ],
)
def test_a_new_article_goes_to_the_folder_of_its_nearest_articles(
    scores: dict[FolderRow, list[float]], title: str, best: FolderRow
) -> None:
    items = [scored(folder, s) for folder, values in scores.items() for s in values]
    options = score_folders([BILLING, REPORTS, EXPORTS], items, title_terms(title))
    assert options[0].id == best.id, options
