"""What the model wrote, held to the offline writer's standard: facts only from the source,
no title repeated in the body, several questions as customers ask them, no interface words
as keywords. An invented fact is sent back for repair; the rest is put right here."""

from __future__ import annotations

import re
from dataclasses import replace

from kbsmith.generation.inputs import GenerationInput, WrittenArticle
from kbsmith.generation.keywords import UI_WORDS
from kbsmith.generation.keywords import keywords as own_keywords
from kbsmith.generation.llm.answers import InvalidAnswer
from kbsmith.generation.questions import MAX_QUESTIONS, MIN_QUESTIONS
from kbsmith.generation.questions import questions as own_questions
from kbsmith.generation.text import normalize, without_title

URL = re.compile(r"https?://[^\s)>\]\"'`]+")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:]\d+)*(?![\w])")
QUOTED = re.compile(r"[\"“]([^\"“”\n]{3,80})[\"”]")
LIST_NUMBER = re.compile(r"^\s*\d+[.)]\s+|\bstep\s+\d+\b", re.MULTILINE | re.IGNORECASE)
TEMPLATE_QUESTION = re.compile(r"^what should i know about\b", re.IGNORECASE)
MAX_SHOWN = 5


def unsupported_facts(body: str, source: str) -> list[str]:
    """Numbers, quoted strings and URLs of *body* that *source* does not contain."""
    known = normalize(source)
    known_numbers = {_number(n) for n in NUMBER.findall(known)}
    facts = [u.rstrip(".,;:!?") for u in URL.findall(body)]
    missing = [u for u in facts if u.casefold() not in known]
    text = LIST_NUMBER.sub("", URL.sub(" ", body))  # numbering steps states no fact
    missing += [n for n in NUMBER.findall(text) if _number(n) not in known_numbers]
    missing += [f'"{q}"' for q in QUOTED.findall(text) if normalize(q) not in known]
    return list(dict.fromkeys(missing))


def _number(text: str) -> str:
    return text.replace(",", "")


def checked(written: WrittenArticle, inp: GenerationInput) -> WrittenArticle:
    """The model's article once it holds no invented fact (else InvalidAnswer, for repair),
    its title line dropped from the body, its questions and keywords made to standard."""
    source = "\n".join([inp.title, inp.source_url, inp.instructions, inp.text])
    invented = unsupported_facts(written.main_knowledge, source)
    if invented:
        shown = ", ".join(invented[:MAX_SHOWN])
        raise InvalidAnswer(
            f"mainKnowledge states what the source does not: {shown}; use only facts, "
            "numbers, quotes and URLs found in the source, or leave them out"
        )
    body = "\n\n".join(without_title(_paragraphs(written.main_knowledge), written.title))
    return replace(
        written,
        main_knowledge=body or written.main_knowledge,
        questions=_questions(written, body, inp),
        keywords=_keywords(written, body, inp),
    )


def _questions(written: WrittenArticle, body: str, inp: GenerationInput) -> list[str]:
    kept = [q for q in written.questions if q.endswith("?") and not TEMPLATE_QUESTION.match(q)]
    if len(kept) < MIN_QUESTIONS:
        folded = {q.casefold() for q in kept}
        extra = own_questions(written.title, _paragraphs(body))
        kept += [q for q in extra if q.casefold() not in folded]
    return kept[:MAX_QUESTIONS]


def _keywords(written: WrittenArticle, body: str, inp: GenerationInput) -> list[str]:
    kept = [k for k in written.keywords if k.casefold() not in UI_WORDS]
    return kept or own_keywords(written.title, _paragraphs(body), inp.workspace_terms)


def _paragraphs(markdown: str) -> list[str]:
    return [p.strip() for p in markdown.split("\n\n") if p.strip()]
