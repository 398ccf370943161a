"""Bytes -> str for HTML and text bodies whose declared charset may be wrong."""

import re

from charset_normalizer import from_bytes
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

from kbsmith.extraction.result import LimitExceeded

# charset-normalizer samples chunks across the body; more than this adds time, not accuracy
_DETECTION_SAMPLE = 1_000_000
# charset-normalizer cannot tell Latin code pages apart on short text (it happily picks
# cp1250 or cp1257 for French); cp1252, the web's legacy default, wins when about as plausible
_LATIN_DEFAULT = "cp1252"
_CHAOS_MARGIN = 0.05
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
MAX_UNDECODABLE_SHARE = 0.1
"""A decoded text whose characters are more than this share replacement or control
characters is not text (limit `undecodable_chars`)."""
_GARBAGE_SAMPLE = 200_000
# what `_refuse_garbage` counts as junk: the replacement character and every character of
# Unicode category Cc (controls) or Cs (surrogates) that is not whitespace (str.isspace), as
# one regex so the count runs in C (a per-character loop was a third of an HTML extraction)
_JUNK = re.compile("[\ufffd\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


def decode(body: bytes, content_type: str | None, *, html: bool) -> str:
    """Decode a text body, trusting the bytes over the declarations.

    Order: a byte-order mark; valid UTF-8 (a declared single-byte charset on bytes that
    are valid UTF-8 is practically always a lie); the charsets declared by the header
    and, for HTML, by <meta> that strictly decode the bytes (charset-normalizer arbitrates
    when they disagree); detection by charset-normalizer; finally UTF-8 with replacement
    characters, so this never fails.
    """
    return _refuse_garbage(_decode(body, content_type, html))


def _decode(body: bytes, content_type: str | None, html: bool) -> str:
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return body[len(bom) :].decode(bom_encoding, errors="replace")
    for decoder in (_as_utf8, _as_declared, _as_nearly_utf8, _as_detected):
        text = decoder(body, content_type, html)
        if text is not None:
            return text
    return body.decode("utf-8", errors="replace")


def _as_utf8(body: bytes, _content_type: str | None, _html: bool) -> str | None:
    return _strict(body, "utf-8")


def _as_declared(body: bytes, content_type: str | None, html: bool) -> str | None:
    labels = [http_content_type_encoding(content_type) if content_type else None]
    if html:
        labels.append(html_body_declared_encoding(body))
    resolved = (resolve_encoding(label) for label in labels if label)
    decodable = {name: text for name in resolved if name and (text := _strict(body, name))}
    if len(decodable) > 1:
        best = from_bytes(body[:_DETECTION_SAMPLE], cp_isolation=list(decodable)).best()
        if best is not None and best.encoding in decodable:
            return decodable[best.encoding]
    return next(iter(decodable.values()), None)


def _as_nearly_utf8(body: bytes, _content_type: str | None, _html: bool) -> str | None:
    """UTF-8 with a few broken bytes (a truncated character, a stray byte) stays UTF-8,
    those bytes replaced: when its valid multi-byte characters outnumber the broken bytes,
    no legacy charset reads the text better (each would garble every valid character)."""
    text = body.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - body.count("\ufffd".encode())
    valid = len(_UTF8_SEQUENCE.findall(body))
    return text if 0 < broken <= valid else None


def _as_detected(body: bytes, _content_type: str | None, _html: bool) -> str | None:
    matches = from_bytes(body[:_DETECTION_SAMPLE])
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        if match.encoding == _LATIN_DEFAULT and match.chaos <= best.chaos + _CHAOS_MARGIN:
            return _strict(body, _LATIN_DEFAULT)
    return _strict(body, str(best.encoding))


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _refuse_garbage(text: str) -> str:
    """*text*, unless it is mostly replacement or control characters (junk bytes read in a
    charset they are not, or no text at all)."""
    sample = text[:_GARBAGE_SAMPLE]
    junk = len(_JUNK.findall(sample))
    if not junk:  # most pages: no need to count the visible characters (1% of an extraction)
        return text
    visible = sum(map(len, sample.split()))  # str.split drops exactly the isspace() runs
    if visible and junk > MAX_UNDECODABLE_SHARE * visible:
        share = round(100 * junk / visible)
        raise LimitExceeded(
            "undecodable_chars",
            f"{share}% of its characters are not text; the limit is {MAX_UNDECODABLE_SHARE:.0%}",
        )
    return text
