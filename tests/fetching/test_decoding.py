from __future__ import annotations

import gzip
import zlib

import pytest

from kbsmith.fetching import BodyTooLarge, ContentDecodingError
from kbsmith.fetching.decoding import CHUNK_SIZE, BoundedDecoder

TEXT = b"knowledge base " * 20_000


def _decode(encoding: str | None, data: bytes, limit: int = 10**7, piece: int = 997) -> bytes:
    decoder = BoundedDecoder(encoding, limit)
    return b"".join(
        chunk for i in range(0, len(data), piece) for chunk in decoder.decode(data[i : i + piece])
    )


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        (None, TEXT),
        ("identity", TEXT),
        ("gzip", gzip.compress(mtime=0, data=TEXT)),
        ("x-gzip", gzip.compress(mtime=0, data=TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", _raw_deflate(TEXT)),
        ("gzip, gzip", gzip.compress(mtime=0, data=gzip.compress(mtime=0, data=TEXT))),
    ],
)
def test_decodes_supported_encodings(encoding: str | None, encoded: bytes) -> None:
    assert _decode(encoding, encoded) == TEXT


def test_output_chunks_are_bounded() -> None:
    decoder = BoundedDecoder("gzip", 10**8)
    chunks = list(decoder.decode(gzip.compress(bytes(10 * 1024 * 1024))))
    assert max(len(chunk) for chunk in chunks) <= CHUNK_SIZE
    assert sum(len(chunk) for chunk in chunks) == 10 * 1024 * 1024


def test_bomb_stops_at_the_limit() -> None:
    with pytest.raises(BodyTooLarge, match="response larger than 1000000 bytes"):
        _decode("gzip", gzip.compress(bytes(8 * 1024 * 1024)), limit=1_000_000)


def test_raw_bytes_are_limited_too() -> None:
    trailing_garbage = gzip.compress(b"small") + b"\0" * 2_000_000
    with pytest.raises(BodyTooLarge):
        _decode("gzip", trailing_garbage, limit=1_000_000)


def test_unsupported_encoding_is_an_error() -> None:
    with pytest.raises(ContentDecodingError, match="br"):
        BoundedDecoder("br", 100)


def test_corrupt_data_is_an_error() -> None:
    with pytest.raises(ContentDecodingError):
        _decode("gzip", b"\x1f\x8bnot really gzip at all")
