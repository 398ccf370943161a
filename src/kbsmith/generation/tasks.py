"""The generation job handler and the per-process generator it shares."""

from __future__ import annotations

from dataclasses import replace

from kbsmith.generation.announce import announce_failure
from kbsmith.generation.backend import GenerationBackend, OfflineBackend
from kbsmith.generation.decision import Thresholds
from kbsmith.generation.features import shared_embedder
from kbsmith.generation.index import CandidateIndex
from kbsmith.generation.pipeline import Generator, run_generation
from kbsmith.generation.service import GENERATE_JOB
from kbsmith.jobs.context import JobContext
from kbsmith.jobs.registry import JobRegistry
from kbsmith.runtime import Runtime, Shared

GENERATION_TIMEOUT_SECONDS = 600


def register(registry: JobRegistry, runtime: Runtime) -> None:
    async def generate(ctx: JobContext) -> None:
        await run_generation(ctx, await runtime.shared(GENERATOR))

    registry.handler(GENERATE_JOB, timeout=GENERATION_TIMEOUT_SECONDS, on_failure=announce_failure)(
        generate
    )


def _build(runtime: Runtime) -> Generator:
    settings = runtime.settings
    thresholds = Thresholds(same_content=settings.generation_same_content)
    if settings.generation_same_topic is not None:
        thresholds = replace(thresholds, same_topic=settings.generation_same_topic)
    return Generator(
        backend=backend_for(runtime, thresholds),
        index=CandidateIndex(shared_embedder() if settings.generation_embeddings else None),
        thresholds=thresholds,
    )


GENERATOR = Shared("generator", _build)
"""Built once per process: the embedding model and the candidate index are costly."""


def backend_for(runtime: Runtime, thresholds: Thresholds) -> GenerationBackend:
    """The LLM backend when an LLM server is configured, else the offline one."""
    if runtime.settings.llm_base_url:
        # Imported here (in the builder's thread): the openai SDK takes seconds to import.
        from kbsmith.generation.llm import LLMBackend, LLMConfig

        return LLMBackend(LLMConfig.from_settings(runtime.settings))
    return OfflineBackend(thresholds)
