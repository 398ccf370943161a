"""Generation backends: the offline one (default) and an LLM one behind the same interface."""

from __future__ import annotations

from typing import Protocol

from kbsmith.generation import decision, writing
from kbsmith.generation.decision import Thresholds
from kbsmith.generation.inputs import Decision, GenerationInput, Usage, WrittenArticle


class GenerationBackend(Protocol):
    name: str

    async def decide(self, inp: GenerationInput) -> tuple[Decision, Usage]:
        """Raises NoFittingOperation when no allowed operation fits."""
        ...

    async def write(
        self, inp: GenerationInput, chosen: Decision
    ) -> tuple[WrittenArticle, Usage]: ...

    async def aclose(self) -> None: ...


class OfflineBackend:
    """Deterministic and extractive: no network, nothing invented."""

    name = "offline"

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()

    async def decide(self, inp: GenerationInput) -> tuple[Decision, Usage]:
        return decision.decide(inp, self.thresholds), Usage()

    async def write(self, inp: GenerationInput, chosen: Decision) -> tuple[WrittenArticle, Usage]:
        return writing.write(inp), Usage()

    async def aclose(self) -> None:
        return None
