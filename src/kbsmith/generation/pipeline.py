"""One generation job: gather (read) → retrieve → decide → write (no transaction) → save."""

from __future__ import annotations

import asyncio
import functools
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.index import embed_ahead
from kbsmith.db.base import utcnow
from kbsmith.db.dialect import lock_workspace_knowledge, wait_for_knowledge_savers
from kbsmith.errors import DomainError
from kbsmith.generation.announce import announce_saved
from kbsmith.generation.backend import GenerationBackend
from kbsmith.generation.compact import hashed
from kbsmith.generation.decision import Thresholds, repeats_added_article
from kbsmith.generation.features import Features, embed_features, identity_features
from kbsmith.generation.gathering import Gathered, gather
from kbsmith.generation.index import CandidateIndex
from kbsmith.generation.inputs import (
    Decision,
    GenerationInput,
    NoFittingOperation,
    Usage,
    WrittenArticle,
)
from kbsmith.generation.linklists import link_list_decision
from kbsmith.generation.operations import Operation
from kbsmith.generation.request import GenerationRequest
from kbsmith.generation.retrieval import score_candidates, score_folders, top
from kbsmith.generation.saving import save
from kbsmith.generation.text import title_key
from kbsmith.generation.vectors import embedded_texts, keep_vectors, recall_article_vectors
from kbsmith.jobs.context import JobContext
from kbsmith.jobs.errors import PermanentJobError, RetryableJobError
from kbsmith.knowledge import repository
from kbsmith.knowledge.models import Article
from kbsmith.metrics.instruments import GENERATION_OPERATIONS


@dataclass(frozen=True)
class Generator:
    """What a worker process shares between generation jobs."""

    backend: GenerationBackend
    index: CandidateIndex
    thresholds: Thresholds

    async def aclose(self) -> None:
        await self.backend.aclose()


async def run_generation(ctx: JobContext, generator: Generator) -> None:
    request = GenerationRequest.from_payload(ctx.payload)
    workspace_id = ctx.job.workspace_id
    assert workspace_id is not None
    # An article another job stamped before this moment but has not committed yet would be
    # missing from what we read, and too old for _refuse_if_overtaken: wait for such savers.
    snapshot_at = utcnow()
    await wait_for_knowledge_savers(ctx.db, workspace_id)
    async with ctx.db.read() as session:
        gathered = await gather(session, generator.index, workspace_id, request, snapshot_at)
    await generator.index.keep(ctx.db, workspace_id)
    inp = await _input(ctx, generator, workspace_id, request, gathered)
    await ctx.db.after_own_writer()
    try:
        refused = link_list_decision(inp)
        decision, used = (refused, Usage()) if refused else await generator.backend.decide(inp)
        written, wrote = await _write(generator.backend, inp, decision)
        if written is not None and not request.is_draft:
            # what goes live is indexed for answers in the saving transaction: embed it now, in
            # one batch that holds the title and opening passage a new article's vectors keep
            await embed_ahead(
                written.title, written.questions, written.keywords, written.main_knowledge
            )
        else:
            await _embed_written(generator, decision, written)
    except NoFittingOperation as error:
        raise PermanentJobError(str(error)) from None
    added = _content_added(decision, written)
    added_features = await generator.index.features_of(*added) if added else None
    usage = {
        "promptTokens": used.prompt_tokens + wrote.prompt_tokens,
        "completionTokens": used.completion_tokens + wrote.completion_tokens,
    }
    async with ctx.finishing() as session:
        await lock_workspace_knowledge(session, workspace_id)
        ctx.db.holds_others_up(session)
        await _refuse_if_overtaken(
            session, workspace_id, gathered, inp, decision, generator.thresholds
        )
        try:
            saved = await save(
                session, workspace_id, request, decision, written, gathered.source, ctx.job.id
            )
        except DomainError as error:
            generator.index.distrust(workspace_id)
            raise RetryableJobError(
                f"the knowledge base changed while deciding: {error.message}"
            ) from None
        if generator.index.embedder is not None and saved.article_id is not None:
            await keep_vectors(session, saved.article_id, generator.index.embedder)
        if added_features is not None and saved.article_id is not None:
            await generator.index.keep_new(session, saved.article_id, added_features)
        ctx.result = saved.as_result({"usage": usage, "backend": generator.backend.name})
        await announce_saved(session, workspace_id, ctx.job.id, request.document_id, ctx.result)
    GENERATION_OPERATIONS.labels(saved.operation.value).inc()


async def _input(
    ctx: JobContext,
    generator: Generator,
    workspace_id: uuid.UUID,
    request: GenerationRequest,
    gathered: Gathered,
) -> GenerationInput:
    source = gathered.source
    linked_id = source.linked_knowledge_id if source else None
    embedder = generator.index.embedder
    if embedder is not None and linked_id is not None:
        async with ctx.db.read() as session:
            await recall_article_vectors(session, linked_id, embedder)
    new = (
        await asyncio.to_thread(
            embed_features,
            generator.index.embedder,
            [(gathered.title, "\n\n".join(gathered.paragraphs), ())],
        )
    )[0]
    origin = (source.id, source.origin) if source else None
    keyed = hashed(new)
    await ctx.db.after_own_writer()
    async with ctx.db.read() as session:
        shortlist = await generator.index.shortlist(
            session,
            workspace_id,
            gathered.candidates,
            new,
            linked_id,
            gathered.folder_scope,
            keyed=keyed,
        )
        scored = score_candidates(keyed, shortlist, linked_id, origin)
        candidates = await generator.index.with_texts(session, top(scored))
    return GenerationInput(
        title=gathered.title,
        paragraphs=gathered.paragraphs,
        allowed=request.allowed,
        candidates=candidates,
        folders=score_folders(gathered.folders, scored, new.title_terms),
        instructions=request.instructions,
        source_url=source.url if source else "",
        source_label=source.label if source else "",
        taken_titles=frozenset(title_key(s.candidate.title) for s in scored if not s.linked),
        workspace_terms=gathered.candidates.document_frequencies(new.terms),
        unchanged_since_last_generation=bool(
            source and source.unchanged and source.linked_knowledge_id
        ),
        page_links=gathered.page_links,
    )


async def _write(
    backend: GenerationBackend, inp: GenerationInput, decision: Decision
) -> tuple[WrittenArticle | None, Usage]:
    if decision.operation is Operation.NOTHING:
        return None, Usage()
    return await backend.write(inp, decision)


def _content_added(
    decision: Decision, written: WrittenArticle | None
) -> tuple[str, str, list[str]] | None:
    """A new article's title, body and questions (an update's text is merged when saving)."""
    if written is None or decision.operation is not Operation.ADD:
        return None
    return written.title, written.main_knowledge, list(written.questions)


async def _embed_written(
    generator: Generator, decision: Decision, written: WrittenArticle | None
) -> None:
    """Embed a new article now, so that saving can store its vectors for other workers (an
    update saves merged text, which the next reader embeds)."""
    embedder = generator.index.embedder
    if embedder is not None and written is not None and decision.operation is Operation.ADD:
        texts = embedded_texts(written.title, written.main_knowledge)
        await asyncio.to_thread(embedder.embed, list(texts))


async def _refuse_if_overtaken(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    gathered: Gathered,
    inp: GenerationInput,
    decision: Decision,
    thresholds: Thresholds,
) -> None:
    """Another job may have added this very topic since we looked: then decide again."""
    if decision.operation is not Operation.ADD:
        return
    newer = (
        await session.scalars(
            repository.pending_articles(workspace_id).where(
                Article.created_at > gathered.snapshot_at
            )
        )
    ).all()
    if not newer:
        return
    mine = identity_features(inp.title, inp.text)
    for article in newer:
        theirs = _identity_of(article.id, article.version, article.title, article.main_knowledge)
        if repeats_added_article(mine, theirs, thresholds):
            raise RetryableJobError(
                f"article {article.title!r} was added meanwhile; deciding again", retry_after=0.0
            )


@functools.lru_cache(maxsize=256)
def _identity_of(article_id: uuid.UUID, version: int, title: str, text: str) -> Features:
    """An article added meanwhile is checked by every job in flight that looked before it:
    its features are computed once per process (the id and version in the key: a later
    version is another entry)."""
    return identity_features(title, text)
