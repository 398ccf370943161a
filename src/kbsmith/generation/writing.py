"""The offline writer: extractive, so every sentence of an article comes from its source."""

from __future__ import annotations

from urllib.parse import urlsplit

from kbsmith.generation.inputs import GenerationInput, WrittenArticle
from kbsmith.generation.keywords import keywords
from kbsmith.generation.questions import questions
from kbsmith.generation.text import (
    clean_title,
    first_heading,
    plain,
    title_key,
    without_title,
)
from kbsmith.knowledge.content import MAIN_KNOWLEDGE_MAX_BYTES, TITLE_MAX_CHARS

MAX_KEYWORDS = 8
DISTINCT_TITLE_MAX_CHARS = 120


def write(inp: GenerationInput) -> WrittenArticle:
    title = article_title(inp)
    body = without_title(inp.paragraphs, title, inp.title)
    return WrittenArticle(
        title=title,
        main_knowledge=_bounded("\n\n".join(body)),
        questions=questions(title, body),
        keywords=keywords(title, body, inp.workspace_terms, MAX_KEYWORDS) or [title.casefold()],
        agent_instruction=_instruction(inp),
    )


def article_title(inp: GenerationInput) -> str:
    title = clean_title(inp.title, urlsplit(inp.source_url).hostname or "") or first_heading(
        inp.paragraphs
    )
    if not title:
        title = inp.text.strip().split("\n")[0].lstrip("#").strip()[:120]
    title = title[:TITLE_MAX_CHARS] or "Untitled"
    return _distinct(title, inp) if title_key(title) in inp.taken_titles else title


def _distinct(title: str, inp: GenerationInput) -> str:
    """Another page's article has this title (the SQL and the embedded-SQL "DECLARE"): say
    what this one is about, with the page's own opening line when it names the title, as
    reference pages do ("DECLARE — define a cursor"), else with where it comes from."""
    lines = (plain(line) for p in inp.paragraphs[:2] for line in p.split("\n"))
    opening = next((line for line in lines if title_key(line) != title_key(title)), "")
    if (
        title_key(opening).startswith(title_key(title))
        and title_key(opening) not in inp.taken_titles
        and len(opening) <= DISTINCT_TITLE_MAX_CHARS
    ):
        return opening
    where = _page_name(inp.source_url) or inp.source_label
    return f"{title} ({where})"[:TITLE_MAX_CHARS] if where else title


def _page_name(url: str) -> str:
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[0] if "." in last else last


def _instruction(inp: GenerationInput) -> str:
    parts = ["Answer from this article only; if the customer's case is not covered, say so."]
    if inp.source_url:
        parts.append(f"Source: {inp.source_url}")
    return " ".join(parts)


def _bounded(text: str) -> str:
    data = text.encode()
    if len(data) <= MAIN_KNOWLEDGE_MAX_BYTES:
        return text
    return data[:MAIN_KNOWLEDGE_MAX_BYTES].decode(errors="ignore").rsplit("\n\n", 1)[0]
