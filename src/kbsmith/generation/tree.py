"""First-time folder tree: propose folders as a CSV a person can edit, then create them.

The proposal is offline and explainable: the topics the prompt lists, the sections the
workspace's sources already fall into (where their sites' URL paths part: `url_sections`),
and the folders that exist.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.scoping import in_workspace
from kbsmith.errors import FIELD, InvalidInput
from kbsmith.generation.gathering import folder_rows
from kbsmith.generation.text import STOPWORDS
from kbsmith.knowledge import folders
from kbsmith.knowledge.content import FOLDER_DESCRIPTION_MAX_CHARS, FOLDER_TITLE_MAX_CHARS
from kbsmith.sources.models import Source

HEADER = ["path", "description"]
SEPARATOR = "/"
MAX_ROWS = 2000
MAX_PROMPT_TOPICS = 30
TOPIC_SPLIT = re.compile(r"[,;\n•·]|\band\b|\bor\b|^\s*[-*\d.]+\s*", re.IGNORECASE | re.MULTILINE)
LEAD_IN = re.compile(
    r"^.*?\b(covers?|includes?|contains?|about|topics?|such as|like)\b[:\s]*",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
PROMPT_NOISE = re.compile(r"^(we|our|the|a|an|it|this|they|i|you)\b", re.IGNORECASE)
FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class ProposedFolder:
    path: str
    description: str


@dataclass(frozen=True)
class PersistOutcome:
    created: int
    reused: int


async def propose(
    session: AsyncSession, workspace_id: uuid.UUID, prompt: str
) -> list[ProposedFolder]:
    if not prompt.strip():
        raise InvalidInput(f"{FIELD} must not be empty", "init_prompt")
    proposed: dict[str, ProposedFolder] = {}
    for row in await folder_rows(session, workspace_id, None):
        proposed.setdefault(row.path.casefold(), ProposedFolder(row.path, "existing folder"))
    for topic in prompt_topics(prompt):
        proposed.setdefault(topic.casefold(), ProposedFolder(topic, "from the prompt"))
    for section, count in await _source_sections(session, workspace_id):
        proposed.setdefault(
            section.casefold(), ProposedFolder(section, f"{count} sources under this section")
        )
    return sorted(proposed.values(), key=lambda f: f.path.casefold())


def prompt_topics(prompt: str) -> list[str]:
    """The topics a prompt lists: 'Our help center covers billing, accounts and security.'"""
    topics: list[str] = []
    pieces = [
        p
        for sentence in SENTENCE.split(prompt)
        for p in TOPIC_SPLIT.split(LEAD_IN.sub("", sentence))
    ]
    for piece in pieces:
        phrase = " ".join((piece or "").strip(" .:!?()\"'").split())
        if not phrase or PROMPT_NOISE.match(phrase) or len(phrase.split()) > 5:
            continue
        if all(word.casefold() in STOPWORDS for word in phrase.split()):
            continue
        topics.append(phrase[:1].upper() + phrase[1:])
    return list(dict.fromkeys(topics))[:MAX_PROMPT_TOPICS]


async def _source_sections(session: AsyncSession, workspace_id: uuid.UUID) -> list[tuple[str, int]]:
    urls = (
        await session.scalars(
            select(Source.original_url).where(
                in_workspace(Source, workspace_id), Source.provider == "web"
            )
        )
    ).all()
    counts = url_sections(urls)
    return [(section, n) for section, n in counts.most_common(MAX_PROMPT_TOPICS) if n >= 2]


def url_sections(urls: Iterable[str]) -> Counter[str]:
    """How many pages fall in each section of their site: the first segment of their path
    after the segments every page of the site shares ('/hc/en-us/…', '/en/latest/…'), when a
    page lies below it (a page's own name is no section)."""
    paths: dict[str, list[list[str]]] = defaultdict(list)
    for url in urls:
        parts = urlsplit(url)
        paths[parts.netloc.lower()].append([s for s in unquote(parts.path).split("/") if s])
    counts: Counter[str] = Counter()
    for site in paths.values():
        # an index page ('/', '/en/') would end what the site's pages share
        above = {tuple(path[:depth]) for path in site for depth in range(len(path))}
        pages = [path for path in site if tuple(path) not in above]
        shared = _shared_segments(pages or site)
        counts.update(_section_name(path[shared]) for path in site if len(path) > shared + 1)
    counts.pop("", None)
    return counts


def _shared_segments(paths: list[list[str]]) -> int:
    shared = 0
    for column in zip(*paths, strict=False):
        if len(set(column)) > 1:
            break
        shared += 1
    return shared


def _section_name(segment: str) -> str:
    return " ".join(re.split(r"[-_]+", segment)).strip().capitalize()


def to_csv(proposal: list[ProposedFolder]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for folder in proposal:
        writer.writerow([_safe_cell(folder.path), _safe_cell(folder.description)])
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """Spreadsheets run cells that start like formulas; these are folder names, not formulas."""
    return "'" + value if value.startswith(FORMULA_START) else value


def parse_csv(data: bytes) -> list[ProposedFolder]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file: the CSV must be UTF-8 text") from None
    if "\x00" in text:
        raise InvalidInput("file: the CSV must not contain the NUL character")
    rows = list(csv.reader(io.StringIO(text)))
    if (
        not rows
        or [c.strip().casefold() for c in rows[0][:2]] != HEADER[: len(rows[0][:2])]
        or not rows[0]
    ):
        raise InvalidInput("file: line 1 must be the header 'path,description'")
    if len(rows) - 1 > MAX_ROWS:
        raise InvalidInput(f"file: at most {MAX_ROWS} folders")
    return [
        _parse_row(number, row)
        for number, row in enumerate(rows[1:], start=2)
        if any(c.strip() for c in row)
    ]


def _parse_row(number: int, row: list[str]) -> ProposedFolder:
    if len(row) > len(HEADER):
        raise InvalidInput(f"file: line {number} has {len(row)} columns; expected path,description")
    path = row[0].strip().removeprefix("'")
    description = row[1].strip().removeprefix("'") if len(row) > 1 else ""
    parts = [p.strip() for p in path.split(SEPARATOR)]
    if not path or any(not p for p in parts):
        raise InvalidInput(f"file: line {number} has an empty folder name in path {path!r}")
    if any(len(p) > FOLDER_TITLE_MAX_CHARS for p in parts):
        raise InvalidInput(
            f"file: line {number} has a folder name over {FOLDER_TITLE_MAX_CHARS} characters"
        )
    if len(description) > FOLDER_DESCRIPTION_MAX_CHARS:
        raise InvalidInput(
            f"file: line {number} has a description over {FOLDER_DESCRIPTION_MAX_CHARS} characters"
        )
    return ProposedFolder(SEPARATOR.join(parts), description)


async def persist(
    session: AsyncSession, workspace_id: uuid.UUID, proposal: list[ProposedFolder]
) -> PersistOutcome:
    """Create the folders of every path that do not exist yet; reuse those that do."""
    existing = {
        row.path.casefold(): row.id for row in await folder_rows(session, workspace_id, None)
    }
    created = reused = 0
    descriptions = {f.path.casefold(): f.description for f in proposal}
    for folder in proposal:
        parent: uuid.UUID | None = None
        parts = folder.path.split(SEPARATOR)
        for depth in range(1, len(parts) + 1):
            key = SEPARATOR.join(parts[:depth]).casefold()
            if key in existing:
                reused += depth == len(parts)
            else:
                description = descriptions.get(key, "") if depth == len(parts) else ""
                new = await folders.create_folder(
                    session,
                    workspace_id,
                    parts[depth - 1],
                    description=_plain(description),
                    parent_folder_id=parent,
                )
                existing[key] = new.id
                created += 1
            parent = existing[key]
    return PersistOutcome(created=created, reused=reused)


def _plain(description: str) -> str:
    return "" if description in ("existing folder", "from the prompt") else description
