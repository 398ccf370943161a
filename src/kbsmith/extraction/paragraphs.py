"""Markdown text -> deterministic, bounded, whitespace-normalised paragraphs.

Every format ends up here (HTML via trafilatura's Markdown, DOCX, PDF, plain text), so one
document moved between formats yields the same paragraphs and the same `content_hash`.

A paragraph is one semantic unit: a text paragraph, a whole list, a whole table, a quote or
a code block. A heading is merged into the block that follows it. Units longer than
`MAX_PARAGRAPH_CHARS` are split at line, then sentence, then word boundaries.

The Markdown is segmented line by line rather than with a CommonMark parser on purpose:
extractor output is only loosely CommonMark (e.g. a paragraph right after a list without a
blank line must not become a lazy continuation of the last item).
"""

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MAX_PARAGRAPH_CHARS = 1500

_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•◦▪‣]|\d{1,9}[.)])\s+\S")
_BULLET_MARKER = re.compile(r"^[*+•◦▪‣](?=\s)")
_TABLE_SEPARATOR = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+$")
# inline markup that differs between formats for the same content (bold, code, escapes)
_INLINE_MARKUP = re.compile(r"\\(?=[^\w\s])|[*`]")
_TABLE_ROW = re.compile(r"^\s*\|")
_QUOTE = re.compile(r"^\s*>")
_SPACES = re.compile(r"[^\S\n]+")
_ANY_WHITESPACE = re.compile(r"\s+")
_INVISIBLE = re.compile(
    "[\u200b\u2060\ufeff\u00ad"
    # control characters but tab and line feed, lone surrogates and non-characters: no text
    # needs them, and PostgreSQL refuses NUL in a text column (lone surrogates: any UTF-8)
    "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
)
# every Unicode space separator (category Zs: no-break, thin, ideographic...) becomes a plain
# space, in one C-level regex pass (a per-character category lookup cost 2% of an HTML
# extraction; `str.translate` with a mapping, a dictionary lookup per character, 1%)
SPACE_SEPARATORS = " \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
_SPACE_SEPARATOR = re.compile(f"[{SPACE_SEPARATORS[1:]}]")
_SENTENCE_END = re.compile("(?<=[.!?\u2026])\\s+|(?<=[\u3002\uff01\uff1f])")


@dataclass
class _Block:
    kind: str  # "text", "heading", "list", "table", "quote", "code"
    lines: list[str] = field(default_factory=list)
    fence: str = ""


def split_markdown(markdown: str, max_chars: int = MAX_PARAGRAPH_CHARS) -> list[str]:
    """Split Markdown into normalised paragraphs of at most `max_chars` characters."""
    blocks = _merge_lists(_segment(_prepare(markdown).split("\n")))
    rendered: list[tuple[str, str]] = []
    for block in blocks:
        text = _render(block)
        if not text:
            continue
        if block.kind == "code":
            rendered.extend(("code", chunk) for chunk in _split_code(block, max_chars))
        else:
            rendered.append((block.kind, text))
    return [piece for unit in _merge_headings(rendered) for piece in _split_long(unit, max_chars)]


def normalise_paragraph(text: str) -> str:
    """Form of a paragraph used for hashing: blind to whitespace and inline emphasis."""
    return _ANY_WHITESPACE.sub(" ", _INLINE_MARKUP.sub("", _prepare(text))).strip()


def content_hash(paragraphs: list[str]) -> str:
    """sha256 hex of the normalised paragraphs: stable, order-sensitive, whitespace-blind."""
    normalised = (normalise_paragraph(p) for p in paragraphs)
    joined = "\x1e".join(p for p in normalised if p)  # record separator: cannot occur in text
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def storable_text(text: str) -> str:
    """*text* without the invisible and control characters paragraphs never keep."""
    return _INVISIBLE.sub("", text)


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = storable_text(text)  # the invisible characters go here
    return _SPACE_SEPARATOR.sub(" ", text)


def _segment(lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for line in lines:
        if current is not None and current.kind == "code":
            if _closes_fence(line, current.fence):
                current = None
            else:
                current.lines.append(line)
            continue
        current = _feed(blocks, current, line)
    return blocks


def _feed(blocks: list[_Block], current: _Block | None, line: str) -> _Block | None:
    """Consume one line outside a code block; return the block still open after it."""
    if not line.strip():
        return None
    if fence := _FENCE.match(line):
        return _open(blocks, _Block("code", fence=fence.group(1)))
    if heading := _HEADING.match(line):
        level, text = len(heading.group(1)), (heading.group(2) or "").strip()
        if text:
            _open(blocks, _Block("heading", [f"{'#' * level} {text}"]))
        return None
    if current is not None and current.kind == "text" and _SETEXT.match(line):
        current.kind = "heading"
        current.lines = [("# " if "=" in line else "## ") + " ".join(current.lines)]
        return None
    if _RULE.match(line):
        return None
    kind = _line_kind(line)
    if current is not None and _continues(current, kind, line):
        current.lines.append(line)
        return current
    return _open(blocks, _Block(kind, [line]))


def _line_kind(line: str) -> str:
    if _LIST_ITEM.match(line):
        return "list"
    if _TABLE_ROW.match(line):
        return "table"
    if _QUOTE.match(line):
        return "quote"
    return "text"


def _continues(current: _Block, kind: str, line: str) -> bool:
    if kind == current.kind:
        return True
    # an indented plain line inside a list or quote continues its last item
    return kind == "text" and current.kind in ("list", "quote") and line[:1] in (" ", "\t")


def _open(blocks: list[_Block], block: _Block) -> _Block:
    blocks.append(block)
    return block


def _closes_fence(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and not stripped.strip(fence[0])


def _merge_lists(blocks: list[_Block]) -> list[_Block]:
    """Items separated by blank lines ("loose" lists) still form one list."""
    merged: list[_Block] = []
    for block in blocks:
        if merged and block.kind == "list" and merged[-1].kind == "list":
            merged[-1].lines.extend(block.lines)
        else:
            merged.append(block)
    return merged


def _render(block: _Block) -> str:
    if block.kind == "code":
        return "\n".join(line.rstrip() for line in block.lines).strip("\n")
    if block.kind in ("list", "quote"):
        return "\n".join(_structured_lines(block.lines))
    if block.kind == "table":
        return "\n".join(_table_line(line) for line in block.lines)
    return _collapse(" ".join(block.lines))


def _structured_lines(lines: list[str]) -> list[str]:
    """List/quote lines keep their indentation (nesting); continuations join their item."""
    out: list[str] = []
    for line in lines:
        expanded = line.expandtabs(4).rstrip()
        if out and not _LIST_ITEM.match(expanded) and not _QUOTE.match(expanded):
            out[-1] = f"{out[-1]} {_collapse(expanded)}"
            continue
        indent = len(expanded) - len(expanded.lstrip(" "))
        out.append(" " * indent + _BULLET_MARKER.sub("-", _collapse(expanded)))
    return out


def _table_line(line: str) -> str:
    """Rows keep their cells; the header separator takes one spelling, e.g. |---|:---:|."""
    line = _collapse(line)
    return line.replace(" ", "") if _TABLE_SEPARATOR.match(line) else line


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _split_code(block: _Block, max_chars: int) -> list[str]:
    """A long code block is cut at line boundaries and each piece fenced again."""
    fence = block.fence[0] * 3
    body = _render(block)
    if not body:
        return []
    limit = max(max_chars - 2 * (len(fence) + 1), 1)
    return [f"{fence}\n{chunk}\n{fence}" for chunk in _split_long(body, limit)]


def _merge_headings(blocks: Iterable[tuple[str, str]]) -> list[str]:
    units: list[str] = []
    headings: list[str] = []
    for kind, text in blocks:
        if kind == "heading":
            headings.append(text)
            continue
        units.append("\n".join([*headings, text]))
        headings = []
    if headings:
        units.append("\n".join(headings))
    return units


def _split_long(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    lines = text.split("\n")
    if len(lines) > 1:
        return _pack(lines, "\n", limit, _split_line)
    return _split_line(text, limit)


def _split_line(line: str, limit: int) -> list[str]:
    sentences = [s for s in _SENTENCE_END.split(line) if s]
    if len(sentences) > 1:
        return _pack(sentences, " ", limit, _split_words)
    return _split_words(line, limit)


def _split_words(text: str, limit: int) -> list[str]:
    return _pack(text.split(" "), " ", limit, _split_chars)


def _split_chars(text: str, limit: int) -> list[str]:
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def _pack(
    pieces: list[str], sep: str, limit: int, split_piece: Callable[[str, int], list[str]]
) -> list[str]:
    """Greedily join pieces with `sep` into chunks of at most `limit` characters."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        for part in split_piece(piece, limit) if len(piece) > limit else [piece]:
            if current and len(current) + len(sep) + len(part) <= limit:
                current = f"{current}{sep}{part}"
            else:
                if current:
                    chunks.append(current)
                current = part
    if current:
        chunks.append(current)
    return chunks
