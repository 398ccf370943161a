"""The decision cases of ``bench/decisions.py`` and ``bench/topic_fit.py`` (not a benchmark).

Two workspaces of live articles and the new content submitted against them:

- CovidFAQ (``_faq.py``): one article per FAQ entry (its FAQ question as title and question,
  its answer as body). ``same``: a customer's phrasing + the entry's answer word for word
  (right: UPDATE or DO_NOTHING on the entry); ``new``: the phrasing + a new answer to the same
  question, which shares no paragraph with the old one (right: UPDATE of the entry); ``own``:
  the article's own text re-submitted (right: DO_NOTHING); ``absent``: ``same`` with the entry
  deleted (right: ADD, a merge into any other article is a false merge).
- Banking77: one article per intent, asked with three of its ``train`` requests (title and
  questions) and a body listing six more. ``intent``: a request of the intent as title + six
  other requests of it as body (right: the intent's article); ``neighbour``: the same with the
  intent's article deleted, so only neighbouring intents remain (right: ADD).

Entries and intents are split: CovidFAQ by the hash of the answer (``Entry.fit``), Banking77
by its files (``train`` requests make the fit cases, ``test`` requests the held-out ones).
The "new answer" is the old answer's sentences from the second on, rotated and without the
first: the same facts in a different text, the closest an offline data set gets to a rewrite.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from _faq import DEFAULT_DATA, Entry, load_entries

SENTENCE = re.compile(r"(?<=[.!?])\s+")
INTENT_QUESTIONS = 3
INTENT_BODY = 6
PER_INTENT = 15


@dataclass(frozen=True)
class SetArticle:
    key: str
    title: str
    body: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    kind: str
    fit: bool
    text: str
    """The candidate knowledge, as a script would send it."""
    right: str | None
    """The article that should take it; None: a new article is right."""
    absent: str | None = None
    """The article deleted for this case."""


@dataclass(frozen=True)
class DecisionSet:
    name: str
    articles: list[SetArticle]
    cases: list[Case]


def covid(data_dir: Path = DEFAULT_DATA) -> DecisionSet:
    articles, cases = [], []
    for entry in distinct_answers(load_entries(data_dir)):
        articles.append(SetArticle(entry.key, entry.title, entry.body, tuple(entry.questions)))
        cases.append(Case("own", entry.fit, f"# {entry.title}\n\n{entry.body}", entry.key))
        for phrasing in entry.phrasings:
            same = f"{phrasing}\n\n{entry.body}"
            cases.append(Case("same", entry.fit, same, entry.key))
            cases.append(Case("absent", entry.fit, same, None, absent=entry.key))
            if new := new_answer(entry.body):
                cases.append(Case("new", entry.fit, f"{phrasing}\n\n{new}", entry.key))
    return DecisionSet("covidfaq", articles, cases)


def distinct_answers(entries: list[Entry]) -> list[Entry]:
    """Entries whose answers are the same text once the chat bot's follow-up prompt is gone
    are one entry: deleting one of them leaves the same answer in the other."""
    by_body: dict[str, Entry] = {}
    for entry in entries:
        kept = by_body.setdefault(" ".join(entry.body.split()), entry)
        if kept is not entry:
            kept.questions.extend(q for q in entry.questions if q not in kept.questions)
            kept.phrasings.extend(entry.phrasings)
    return list(by_body.values())


def new_answer(body: str) -> str:
    sentences = [s for s in SENTENCE.split(" ".join(body.split())) if s]
    if len(sentences) < 3:
        return ""
    rest = sentences[1:]
    half = len(rest) // 2
    return " ".join(rest[half:] + rest[:half])


def banking(data_dir: Path = DEFAULT_DATA) -> DecisionSet:
    train, test = (
        _requests(data_dir / "banking77-train.csv"),
        _requests(data_dir / "banking77-test.csv"),
    )
    articles, cases = [], []
    for intent, asked in sorted(train.items()):
        used = INTENT_QUESTIONS + INTENT_BODY
        title, *questions = asked[:INTENT_QUESTIONS]
        body = "\n".join(f"- {r}" for r in asked[INTENT_QUESTIONS:used])
        articles.append(SetArticle(intent, title, body, tuple(questions)))
        for fit, pool in ((True, asked[used:]), (False, test.get(intent, []))):
            for i, request in enumerate(pool[:PER_INTENT]):
                others = [r for r in pool if r != request]
                rotated = others[i:] + others[:i]
                text = request + "\n\n" + "\n".join(f"- {r}" for r in rotated[:INTENT_BODY])
                cases.append(Case("intent", fit, text, intent))
                cases.append(Case("neighbour", fit, text, None, absent=intent))
    return DecisionSet("banking77", articles, cases)


SETS = {"covidfaq": covid, "banking77": banking}


def load_sets(
    data_dir: Path = DEFAULT_DATA, names: Collection[str] = tuple(SETS)
) -> list[DecisionSet]:
    """The named sets (default: all), in one workspace as the benchmarks make them."""
    return [make(data_dir) for name, make in SETS.items() if name in names]


def _requests(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found[row["category"]].append(" ".join(row["text"].split()))
    return found
