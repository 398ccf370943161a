"""What of an article is searchable: its title, its questions, its keywords, its body in
passages of a few sentences. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kbsmith.generation.text import body_chunks

MAX_BODY_PASSAGES = 60
EMBEDDED_BODY_PASSAGES = 1
"""Body passages given a vector, from the top: an article's opening says what it is about, and
each vector costs a live write ~30 ms of CPU (on the PostgreSQL manual, embedding every passage
made a live generation 874 instead of 105 ms of CPU per source; with one, 226). Later passages
are found by their words. On CovidFAQ, 1, 3 or every passage embedded score the same
(`bench/answers_calibration.py`)."""
MAX_QUESTIONS = 20


class PassageKind(StrEnum):
    TITLE = "title"
    QUESTION = "question"
    KEYWORDS = "keywords"
    BODY = "body"


@dataclass(frozen=True)
class PassageText:
    kind: PassageKind
    text: str
    embedded: bool = True
    """Keywords are searched by their words only (a list of terms has no meaning to embed),
    and so are the body passages past the first few."""


def article_passages(
    title: str, questions: Sequence[str], keywords: Sequence[str], main_knowledge: str
) -> list[PassageText]:
    passages = [PassageText(PassageKind.TITLE, title.strip())]
    seen = {title.strip().casefold()}
    for question in questions[:MAX_QUESTIONS]:
        if question.strip() and question.strip().casefold() not in seen:
            seen.add(question.strip().casefold())
            passages.append(PassageText(PassageKind.QUESTION, question.strip()))
    if any(keyword.strip() for keyword in keywords):
        passages.append(PassageText(PassageKind.KEYWORDS, ", ".join(keywords), embedded=False))
    passages += [
        PassageText(PassageKind.BODY, chunk, embedded=index < EMBEDDED_BODY_PASSAGES)
        for index, chunk in enumerate(body_chunks(main_knowledge, MAX_BODY_PASSAGES))
    ]
    return [passage for passage in passages if passage.text]
