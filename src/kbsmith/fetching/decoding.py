"""Content decoding with bounded memory.

httpx's decoders inflate each network chunk in one go (a 64 KiB gzip-bomb chunk
becomes ~64 MiB at once); these decoders hand out at most `CHUNK_SIZE` bytes at
a time so a size cap can stop a bomb before it is expanded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from kbsmith.fetching.errors import BodyTooLarge, ContentDecodingError

CHUNK_SIZE = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"
GZIP_MAGIC = b"\x1f\x8b"

_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS


class _Inflater:
    """One zlib layer; ``deflate`` falls back to raw deflate like browsers do."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._inflater = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback

    def decode_all(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            yield from self.decode(chunk)

    def decode(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while not self._inflater.eof:
            output = self._inflate(pending)
            if output:
                yield output
            pending = self._inflater.unconsumed_tail
            # A full chunk means zlib may hold more output even with no input left.
            if not pending and len(output) < CHUNK_SIZE:
                return

    def _inflate(self, data: bytes) -> bytes:
        try:
            output = self._inflater.decompress(data, CHUNK_SIZE)
        except zlib.error as exc:
            if self._raw_fallback:
                self._raw_fallback = False
                self._inflater = zlib.decompressobj(_RAW_DEFLATE_WBITS)
                return self._inflate(data)
            raise ContentDecodingError(f"could not decompress response: {exc}") from exc
        self._raw_fallback = False
        return output


def _inflater_for(encoding: str) -> _Inflater:
    if encoding in ("gzip", "x-gzip"):
        return _Inflater(_GZIP_WBITS)
    if encoding == "deflate":
        return _Inflater(_ZLIB_WBITS, raw_fallback=True)
    raise ContentDecodingError(f"unsupported content encoding {encoding!r}")


class BoundedDecoder:
    """Decodes a ``Content-Encoding`` stream, refusing more than *limit* bytes.

    The limit applies to the raw bytes as well as to the decoded ones, so data
    after the end of a compressed stream cannot run on forever either.
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        encodings = [
            token.strip().lower() for token in (content_encoding or "").split(",") if token.strip()
        ]
        # Encodings are listed in the order they were applied: undo them in reverse.
        self._layers = [_inflater_for(e) for e in reversed(encodings) if e != "identity"]
        self._limit = limit
        self._raw_size = 0
        self._decoded_size = 0

    def decode(self, data: bytes) -> Iterator[bytes]:
        self._raw_size += len(data)
        if self._raw_size > self._limit:
            raise BodyTooLarge(self._limit)
        chunks: Iterable[bytes] = (data,)
        for layer in self._layers:
            chunks = layer.decode_all(chunks)
        for chunk in chunks:
            self._decoded_size += len(chunk)
            if self._decoded_size > self._limit:
                raise BodyTooLarge(self._limit)
            yield chunk


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Decompress a gzip file (e.g. ``sitemap.xml.gz``) of at most *limit* bytes."""
    decoder = BoundedDecoder("gzip", limit)
    return b"".join(decoder.decode(data))
