"""A generation job's request, as stored in the job's payload."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from kbsmith.generation.operations import ALL_OPERATIONS, Operation


@dataclass(frozen=True)
class GenerationRequest:
    origin: str
    candidate_knowledge: str | None = None
    """The text to turn into knowledge; None for bulk jobs (the source's stored content)."""
    document_id: uuid.UUID | None = None
    hc_event_id: str | None = None
    allowed: frozenset[Operation] = ALL_OPERATIONS
    instructions: str = ""
    bot_id: uuid.UUID | None = None
    is_draft: bool = True

    def to_payload(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "candidateKnowledge": self.candidate_knowledge,
            "documentId": str(self.document_id) if self.document_id else None,
            "hcEventId": self.hc_event_id,
            "restrictedOps": sorted(op.value for op in self.allowed),
            "instructions": self.instructions,
            "botId": str(self.bot_id) if self.bot_id else None,
            "isDraft": self.is_draft,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> GenerationRequest:
        return cls(
            origin=payload["origin"],
            candidate_knowledge=payload.get("candidateKnowledge"),
            document_id=_uuid(payload.get("documentId")),
            hc_event_id=payload.get("hcEventId"),
            allowed=frozenset(Operation(op) for op in payload["restrictedOps"]),
            instructions=payload.get("instructions") or "",
            bot_id=_uuid(payload.get("botId")),
            is_draft=bool(payload.get("isDraft", True)),
        )


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
