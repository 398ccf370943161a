"""Sources ↔ articles: sourceIds, linkedKnowledgeId, and how deletes and publishes keep both."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kbsmith.db.database import Database
from kbsmith.errors import NotFound
from kbsmith.knowledge import articles, links, publishing
from kbsmith.knowledge.content import ArticleContent
from kbsmith.sources.models import Source
from kbsmith.workspaces import service as workspaces
from tests.knowledge.conftest import Kb, assert_error

CONTENT = ArticleContent(
    title="Refunds", main_knowledge="Refunds take 5 days.", questions=["q"], keywords=["k"]
)


async def make_source(db: Database, workspace: str, url: str) -> uuid.UUID:
    async with db.write() as session:
        owner = await workspaces.get_or_create_workspace(session, workspace)
        source = Source(workspace_id=owner.id, provider="web", identity=url, original_url=url)
        session.add(source)
        await session.flush()
        return source.id


async def workspace_id(db: Database, name: str) -> uuid.UUID:
    async with db.read() as session:
        return (await workspaces.require_workspace(session, name)).id


async def linked(db: Database, source_id: uuid.UUID) -> tuple[uuid.UUID | None, str | None]:
    async with db.read() as session:
        row = (
            await session.execute(
                select(Source.linked_knowledge_id, Source.linked_operation).where(
                    Source.id == source_id
                )
            )
        ).one()
    return row.linked_knowledge_id, row.linked_operation


async def generated_article(
    db: Database, folder_id: str, source_ids: list[uuid.UUID], *, is_draft: bool = False
) -> str:
    """What a generation job does: write an article from sources and link them."""
    async with db.write() as session:
        owner = await workspaces.require_workspace(session, "acme")
        article = await articles.create_article(
            session,
            owner.id,
            CONTENT,
            parent_folder_id=uuid.UUID(folder_id),
            is_draft=is_draft,
            origin="sources",
            source_ids=source_ids,
        )
        return str(article.id)


async def test_an_article_knows_its_sources_and_the_sources_know_it(kb: Kb, db: Database) -> None:
    folder = await kb.folder()
    first = await make_source(db, "acme", "https://example.com/a")
    second = await make_source(db, "acme", "https://example.com/b")
    article_id = await generated_article(db, folder["id"], [second, first, second])
    article = await kb.one(article_id)
    assert sorted(article["sourceIds"]) == sorted([str(first), str(second)])
    assert article["origin"] == "sources"
    assert (await linked(db, first))[0] == uuid.UUID(article_id)


async def test_link_sources_records_the_operation(kb: Kb, db: Database) -> None:
    folder = await kb.folder()
    source = await make_source(db, "acme", "https://example.com/a")
    article = await kb.article(folder["id"])
    async with db.write() as session:
        owner = await workspaces.require_workspace(session, "acme")
        found = await articles.get_article(session, owner.id, uuid.UUID(article["id"]))
        await links.link_sources(session, owner.id, found, [source], operation="UPDATE_ARTICLE")
    assert await linked(db, source) == (uuid.UUID(article["id"]), "UPDATE_ARTICLE")
    assert (await kb.one(article["id"]))["sourceIds"] == [str(source)]


async def test_sources_of_another_workspace_cannot_be_linked(kb: Kb, db: Database) -> None:
    folder = await kb.folder()
    foreign = await make_source(db, "globex", "https://example.com/a")
    with pytest.raises(NotFound, match="source"):
        await generated_article(db, folder["id"], [foreign])
    assert await linked(db, foreign) == (None, None)
    assert (await kb.ok("GET", "/v2/hc-articles/public"))["articles"] == []


async def test_deleting_an_article_unlinks_its_sources(kb: Kb, db: Database) -> None:
    folder = await kb.folder()
    source = await make_source(db, "acme", "https://example.com/a")
    article_id = await generated_article(db, folder["id"], [source])
    owner = await workspace_id(db, "acme")
    async with db.write() as session:
        found = await articles.get_article(session, owner, uuid.UUID(article_id))
        await links.link_sources(session, owner, found, [source], operation="ADD", reason="new")
    await kb.ok("DELETE", f"/v2/hc-articles/{article_id}/public")
    assert await linked(db, source) == (None, None)
    async with db.read() as session:
        reason = await session.scalar(select(Source.linked_reason).where(Source.id == source))
    assert reason is None


async def test_sources_follow_a_published_fork_to_the_live_article(kb: Kb, db: Database) -> None:
    folder = await kb.folder()
    old, new = [await make_source(db, "acme", f"https://example.com/{n}") for n in "ab"]
    original_id = await generated_article(db, folder["id"], [old])
    async with db.write() as session:
        draft = await publishing.fork_draft(
            session,
            await workspace_id(db, "acme"),
            uuid.UUID(original_id),
            CONTENT,
            origin="sources",
            source_ids=[old, new],
        )
    assert (await linked(db, new))[0] == draft.id
    live = await kb.ok("POST", f"/v2/hc-articles/{draft.id}/publish/public")
    assert live["id"] == original_id
    assert sorted(live["sourceIds"]) == sorted([str(old), str(new)])
    assert (await kb.one(str(draft.id)))["sourceIds"] == []
    assert (await linked(db, new))[0] == (await linked(db, old))[0] == uuid.UUID(original_id)


async def test_sources_stay_with_a_new_draft_that_goes_live(kb: Kb, db: Database) -> None:
    folder = await kb.folder()
    source = await make_source(db, "acme", "https://example.com/a")
    draft_id = await generated_article(db, folder["id"], [source], is_draft=True)
    live = await kb.ok("POST", f"/v2/hc-articles/{draft_id}/publish/public")
    assert (live["id"], live["sourceIds"]) == (draft_id, [str(source)])
    assert (await linked(db, source))[0] == uuid.UUID(draft_id)


async def test_delete_articles_of_sources(kb: Kb, db: Database) -> None:
    folder = await kb.folder()
    first, second, spare = [
        await make_source(db, "acme", f"https://example.com/{n}") for n in "abc"
    ]
    foreign = await make_source(db, "globex", "https://example.com/a")
    doomed = await generated_article(db, folder["id"], [first, spare])
    pending = await generated_article(db, folder["id"], [second], is_draft=True)
    kept = await kb.article(folder["id"], title="Kept")
    async with db.write() as session:
        deleted = await links.delete_articles_of_sources(
            session, await workspace_id(db, "acme"), [first, second, foreign]
        )
    assert {str(a.id) for a in deleted} == {doomed, pending}
    assert all(str(a.parent_folder_id) == folder["id"] and a.title for a in deleted)
    assert await kb.by_ids(doomed, pending, kept["id"]) == [kept]
    assert await linked(db, spare) == (None, None)
    async with db.write() as session:
        nothing = await links.delete_articles_of_sources(
            session, await workspace_id(db, "globex"), [first]
        )
    assert nothing == []


async def test_deleting_sources_with_delete_articles_answers_the_articles(
    kb: Kb, db: Database
) -> None:
    folder = await kb.folder()
    source = await make_source(db, "acme", "https://example.com/a")
    article_id = await generated_article(db, folder["id"], [source])
    body = {"documentIds": [str(source)], "deleteArticles": True}
    answer = await kb.ok("DELETE", "/v2/documents/public", body)
    assert answer["deletedArticles"] == [
        {"id": article_id, "title": "Refunds", "parentFolderId": folder["id"]}
    ]
    assert await kb.by_ids(article_id) == []


async def test_deleting_a_source_keeps_its_article_by_default(kb: Kb, db: Database) -> None:
    folder = await kb.folder()
    source = await make_source(db, "acme", "https://example.com/a")
    article_id = await generated_article(db, folder["id"], [source])
    answer = await kb.ok("DELETE", "/v2/documents/public", {"documentIds": [str(source)]})
    assert answer["deletedArticles"] == []
    assert (await kb.one(article_id))["sourceIds"] == []
    unknown = await kb.call("DELETE", f"/v2/hc-articles/{uuid.uuid4()}/public")
    assert_error(unknown, 404)
