"""Article vectors are computed once and shared through the database with every worker."""

from __future__ import annotations

import uuid

import httpx
import numpy as np
import pytest
from sqlalchemy import select

from kbsmith.db.database import Database
from kbsmith.generation.compact import compact, decode, encode_vectors
from kbsmith.generation.embeddings import load_embedder
from kbsmith.generation.features import CachedEmbedder, asked_as, embed_features
from kbsmith.generation.models import ArticleFeatures, ArticleVector
from kbsmith.generation.vectors import embedded_texts, recall_vectors, texts_hash
from kbsmith.jobs.worker import Worker
from kbsmith.knowledge.models import Article
from tests.conftest import Keys
from tests.generation.support import articles_by_id, bulk, ingest_pages, page
from tests.generation.test_workflow import RESET
from tests.support.hostile_server import HostileServer, Page


async def recalled(db: Database, article_id: uuid.UUID) -> tuple[CachedEmbedder, Article]:
    """What another worker process, with nothing cached yet, gets from the database."""
    model = load_embedder()
    assert model is not None
    fresh = CachedEmbedder(model)
    async with db.read() as session:
        article = await session.get(Article, article_id)
        assert article is not None
        await recall_vectors(session, [article], fresh)
    return fresh, article


async def test_a_generated_article_keeps_its_vectors_for_other_workers(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker, db: Database
) -> None:
    model = load_embedder()
    if model is None:
        pytest.skip("the embedding model is not installed")
    headers = await keys.headers()
    site.pages["/vec/reset"] = Page(page("Reset your password", *RESET))
    ids = await ingest_pages(client, headers, site.url("/vec/reset"))
    (job,) = await bulk(client, headers, ids, isDraft=False)
    article_id = uuid.UUID(job["hcArticleId"])

    async with db.read() as session:
        stored = (
            await session.scalars(
                select(ArticleVector).where(ArticleVector.article_id == article_id)
            )
        ).one()
    (article,) = await articles_by_id(client, headers, str(article_id))
    texts = embedded_texts(article["title"], article["mainKnowledge"])
    assert stored.model_id == model.model_id and stored.texts_hash == texts_hash(texts)

    fresh, _ = await recalled(db, article_id)
    # the title and body, and (the article is live) its questions from the answers index
    asked = asked_as(article["title"], article["mainKnowledge"], article["questions"])
    assert len(asked) > 1
    wanted = list(dict.fromkeys([*texts, *asked]))
    expected = model.embed(wanted)
    for text, vector in zip(wanted, expected, strict=True):
        cached = fresh.cached(text)
        assert cached is not None and np.allclose(cached, vector, atol=1e-5), text

    edited = {
        **{k: article[k] for k in ("title", "questions", "keywords", "agentInstruction")},
        "mainKnowledge": "Edited by a person.\n\n" + article["mainKnowledge"],
    }
    put = await client.put(f"/v2/hc-articles/{article_id}/public", headers=headers, json=edited)
    assert put.status_code == 200, put.text
    fresh, now = await recalled(db, article_id)
    assert fresh.cached(embedded_texts(now.title, now.main_knowledge)[1]) is None, (
        "vectors of the text before the edit must not stand for the edited text"
    )


async def test_a_generated_article_keeps_its_features_for_every_workers_index(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker, db: Database
) -> None:
    """Written with the article: no worker reads a new article whole to index it."""
    model = load_embedder()
    headers = await keys.headers()
    site.pages["/features/reset"] = Page(page("Reset your password", *RESET))
    ids = await ingest_pages(client, headers, site.url("/features/reset"))
    (job,) = await bulk(client, headers, ids, isDraft=False)
    assert job["operation"] == "ADD_ARTICLE_TO_FOLDER"
    article_id = uuid.UUID(job["hcArticleId"])

    async with db.read() as session:
        article = await session.get(Article, article_id)
        stored = await session.get(ArticleFeatures, article_id)
    assert article is not None and stored is not None
    assert stored.article_version == article.version
    embedder = CachedEmbedder(model) if model is not None else None
    (whole,) = embed_features(
        embedder, [(article.title, article.main_knowledge, list(article.questions))]
    )
    expected, found = compact(whole), decode(stored.data)
    assert found is not None
    for name in ("term_keys", "term_counts", "paragraph_keys", "title_terms"):
        assert np.array_equal(getattr(found, name), getattr(expected, name)), name
    assert found.title_key == expected.title_key
    assert np.allclose(
        np.frombuffer(stored.vectors, dtype=np.float32),
        np.frombuffer(encode_vectors(whole), dtype=np.float32),
        atol=1e-5,
    )
