"""Frames between a worker and its extraction child: a 4-byte big-endian length, then bytes.

A request is two frames (a JSON header, then the body's raw bytes); an answer is one JSON
frame. JSON, never pickle: the child parses hostile bytes, so what it says is data only.
"""

from __future__ import annotations

import json
import struct
from typing import IO, Any

from kbsmith.extraction.result import Extracted, ExtractionError, LimitExceeded

_LENGTH = struct.Struct(">I")
LENGTH_SIZE = _LENGTH.size


def frame(payload: bytes) -> bytes:
    return _LENGTH.pack(len(payload)) + payload


def frame_json(value: dict[str, Any]) -> bytes:
    return frame(json.dumps(value, ensure_ascii=False).encode())


def frame_length(prefix: bytes) -> int:
    length: int = _LENGTH.unpack(prefix)[0]
    return length


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame from a blocking stream; None at its end."""
    prefix = stream.read(LENGTH_SIZE)
    if len(prefix) < LENGTH_SIZE:
        return None
    payload = stream.read(frame_length(prefix))
    return payload


def answer_of(extracted: Extracted) -> dict[str, Any]:
    return {
        "title": extracted.title,
        "paragraphs": extracted.paragraphs,
        "mimeType": extracted.mime_type,
    }


def failure_of(error: ExtractionError) -> dict[str, Any]:
    limit = error.limit if isinstance(error, LimitExceeded) else None
    return {"error": str(error), "limit": limit}


def extracted_from(answer: dict[str, Any]) -> Extracted:
    """The child's answer as `Extracted`, or its failure raised."""
    if "error" in answer:
        raise ExtractionError(str(answer["error"]))
    paragraphs = answer["paragraphs"]
    if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
        raise ExtractionError("the extraction process answered nonsense")
    return Extracted(str(answer["title"]), paragraphs, str(answer["mimeType"]))
