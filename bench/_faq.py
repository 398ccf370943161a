"""CovidFAQ as articles and the phrasings people asked them with (not a benchmark itself).

From the CovidFAQ set in ``ML-Recipes/BERT-FAQ`` (MIT licence; questions collected by the JHU
COVID-QA project), in ``../shared/data/faq-dev/``. One entry per distinct answer: its FAQ
question is the article's title and first question, its answer the body (without the chat
bot's ``[[…]]`` follow-up prompt); its user phrasings are what gets asked.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from kbsmith.generation.keywords import keywords

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "faq-dev"
FILE_NAME = "covidfaq-query-answer-pairs.json"
FOLLOW_UP_PROMPT = re.compile(r"\s*\[\[.*?\]\]\s*", re.DOTALL)


@dataclass
class Entry:
    key: str
    """A stable name of the entry: the hash of its answer."""
    title: str
    body: str
    questions: list[str] = field(default_factory=list)
    phrasings: list[str] = field(default_factory=list)

    @property
    def keywords(self) -> list[str]:
        return keywords(self.title, [self.body], limit=5) or ["covid"]

    @property
    def fit(self) -> bool:
        """Half the entries (by hash) fit the floor; the other half check it."""
        return int(self.key[:8], 16) % 2 == 0


def load_entries(data_dir: Path = DEFAULT_DATA) -> list[Entry]:
    rows = json.loads((data_dir / FILE_NAME).read_text(encoding="utf-8"))
    entries: dict[str, Entry] = {}
    for row in sorted(rows, key=lambda r: r["query_type"] != "faq"):
        answer = row["answer"]
        body = FOLLOW_UP_PROMPT.sub(" ", answer).strip()
        question = " ".join(row["question"].split())
        entry = entries.get(answer)
        if entry is None:
            key = hashlib.sha256(answer.encode()).hexdigest()
            entry = entries[answer] = Entry(key, question, body)
        if row["query_type"] == "faq":
            entry.questions.append(question)
        else:
            entry.phrasings.append(question)
    return [e for e in entries.values() if e.questions and e.phrasings]


@dataclass(frozen=True)
class Phrasing:
    """One distinct customer phrasing and every entry whose answer it was paired with: 230 of
    CovidFAQ's 1,073 distinct phrasings were paired with more than one answer ("what is
    coronavirus virus" with both "What is COVID-19?" and "What is novel (new) coronavirus?"),
    and each of those answers it."""

    text: str
    keys: frozenset[str]
    fit: bool
    """Held out only when all its entries are."""


def distinct_phrasings(entries: list[Entry]) -> list[Phrasing]:
    keys: dict[str, set[str]] = {}
    fit: dict[str, bool] = {}
    for entry in entries:
        for text in entry.phrasings:
            keys.setdefault(text, set()).add(entry.key)
            fit[text] = fit.get(text, False) or entry.fit
    return [Phrasing(text, frozenset(found), fit[text]) for text, found in keys.items()]
