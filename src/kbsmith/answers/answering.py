"""Turning retrieved passages into an answer, offline: a follow-up made standalone, the best
article's answering passages quoted with the article cited, or a plain "I don't know"."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from kbsmith.answers.retrieval import Candidate, Passage
from kbsmith.generation.text import content_words

NOT_KNOWN = "I don't know that yet: nothing published in this knowledge base answers the question."
SECOND_PASSAGE_MARGIN = 0.05
"""A second body passage is quoted when it holds nearly as much of the question as the best
one (``passage_fits``)."""
SNIPPET_CHARS = 240

FOLLOW_UP_OPENERS = re.compile(
    r"^\s*(?:and|or|but|also|then|so|what about|how about|and what about|and how about|"
    r"same for|what if|and if)\b[\s,]*",
    re.IGNORECASE,
)
PREPOSITIONS = frozenset(
    [
        "for",
        "on",
        "in",
        "with",
        "at",
        "from",
        "to",
        "by",
        "under",
        "during",
        "about",
        "via",
        "using",
    ]
)
SHORT_FOLLOW_UP_WORDS = 4
STANDALONE_WORDS = 3
"""After a follow-up's opener, the fewest words that may make a question of their own."""


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


def readings(question: str, history: Sequence[Turn]) -> list[str]:
    """The ways to read a message: rewritten with the previous question when it is a follow-up
    (``standalone_question``), and also as asked when what follows its opener could be a
    question of its own ("What if I lose my card?"; not "and for Android?")."""
    rewritten = standalone_question(question, history)
    if rewritten == question or not _could_stand_alone(question):
        return [rewritten]
    return [rewritten, question]


def _could_stand_alone(question: str) -> bool:
    core = FOLLOW_UP_OPENERS.sub("", question).strip().rstrip("?").split()
    return len(core) >= STANDALONE_WORDS and core[0].lower() not in PREPOSITIONS


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """A follow-up ("and for Android?") rewritten with the previous user question
    ("How do I reset my password on iOS?" → "How do I reset my password for Android?");
    any other question as it is."""
    previous = next((t.content for t in reversed(history) if t.role == "user"), None)
    if previous is None or not _is_follow_up(question):
        return question
    core = FOLLOW_UP_OPENERS.sub("", question).strip().rstrip("?").strip()
    if not core:
        return previous
    base = previous.strip().rstrip("?").strip()
    tokens = base.split()
    if core.split()[0].lower() in PREPOSITIONS:
        cut = _last_preposition(tokens)
        if cut is not None:
            return " ".join([*tokens[:cut], core]) + "?"
    return f"{base} {core}?"


def _is_follow_up(question: str) -> bool:
    """ "and for Android?", "what about refunds?", or a short fragment such as "on Windows?";
    a short question of its own ("How do I cancel?") stands alone."""
    if FOLLOW_UP_OPENERS.match(question):
        return True
    words = question.split()
    return len(words) <= SHORT_FOLLOW_UP_WORDS and words[0].lower() in PREPOSITIONS


def _last_preposition(tokens: Sequence[str]) -> int | None:
    for index in range(len(tokens) - 1, 0, -1):
        if tokens[index].lower() in PREPOSITIONS:
            return index
    return None


def answering_passages(question: str, candidate: Candidate) -> list[Passage]:
    """The body passage(s) of the article that answer the question best: those holding the
    most of its words, the rarer in the article weighing more (only the opening has a vector,
    so words compare every passage alike); of equals, the closest by meaning, then the first.
    The title when the article has no body passage."""
    body = candidate.body
    if not body:
        return candidate.passages[:1]
    fits = passage_fits(question, [p.text for p in body])
    ranked = sorted(
        range(len(body)),
        key=lambda i: (-fits[i], -candidate.similarities.get(body[i].id, -math.inf)),
    )
    chosen = ranked[:1]
    if (
        len(ranked) > 1
        and fits[ranked[1]] > 0
        and fits[ranked[1]] >= fits[ranked[0]] - SECOND_PASSAGE_MARGIN
    ):
        chosen.append(ranked[1])
    return [body[i] for i in sorted(chosen)]


def passage_fits(question: str, passages: Sequence[str]) -> list[float]:
    """The share of the question's content words (by their weight) each passage holds, a word
    weighing by how few of the passages hold it (one all of them hold tells none apart)."""
    wanted = set(content_words(question))
    held = [wanted.intersection(content_words(text)) for text in passages]
    holders = Counter(word for words in held for word in words)
    weight = {word: math.log(1 + len(passages) / n) for word, n in holders.items()}
    total = math.fsum(weight.values())
    if total <= 0:
        return [0.0 for _ in passages]
    return [math.fsum(weight[word] for word in words) / total for words in held]


def extractive_answer(title: str, passages: Sequence[Passage]) -> str:
    quoted = "\n>\n".join("> " + p.text.replace("\n", "\n> ") for p in passages)
    return f'According to "{title}":\n\n{quoted}'


def snippet(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    return flat[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"
