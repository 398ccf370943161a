"""The article list: filters and keyset pagination in both directions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.database import Database
from kbsmith.db.pagination import Direction
from kbsmith.knowledge import articles, folders
from kbsmith.knowledge.content import ArticleContent
from kbsmith.knowledge.models import Article
from kbsmith.knowledge.repository import ArticleKind
from kbsmith.workspaces import service as workspaces
from kbsmith.workspaces.models import Workspace
from tests.knowledge.conftest import Kb, assert_error

LIST = "/v2/hc-articles/public"


async def page(kb: Kb, **params: Any) -> tuple[list[str], bool]:
    found = await kb.ok("GET", LIST, params=params)
    return [a["id"] for a in found["articles"]], found["hasMore"]


async def make_articles(kb: Kb, count: int, folder_id: str, **extra: Any) -> list[str]:
    return [(await kb.article(folder_id, title=f"T{i}", **extra))["id"] for i in range(count)]


async def test_newest_first_with_every_kind(kb: Kb) -> None:
    folder = await kb.folder()
    live = await make_articles(kb, 2, folder["id"])
    drafts = await make_articles(kb, 2, folder["id"], isDraft=True)
    everything, more = await page(kb)
    assert everything == (live + drafts)[::-1] and more is False
    assert (await page(kb, type="live"))[0] == live[::-1]
    assert (await page(kb, type="draft"))[0] == drafts[::-1]


async def test_an_update_moves_an_article_to_the_front(kb: Kb) -> None:
    folder = await kb.folder()
    ids = await make_articles(kb, 3, folder["id"])
    body = {"title": "New", "mainKnowledge": "m", "questions": ["q"], "keywords": ["k"]}
    await kb.ok("PUT", f"/v2/hc-articles/{ids[0]}/public", body)
    assert (await page(kb))[0] == [ids[0], ids[2], ids[1]]


async def test_folder_filter(kb: Kb) -> None:
    billing, refunds = await kb.folder("Billing"), await kb.folder("Refunds")
    in_billing = await make_articles(kb, 2, billing["id"])
    in_refunds = await make_articles(kb, 1, refunds["id"], isDraft=True)
    assert (await page(kb, parentFolderId=billing["id"]))[0] == in_billing[::-1]
    both = await page(kb, parentFolderId=refunds["id"], type="draft")
    assert both == (in_refunds, False)
    assert (await page(kb, parentFolderId=refunds["id"], type="live"))[0] == []
    unknown = await kb.call("GET", LIST, params={"parentFolderId": str(uuid.uuid4())})
    assert_error(unknown, 404, "folder")


async def test_pages_forward_and_back_cover_everything_once(kb: Kb) -> None:
    folder = await kb.folder()
    await make_articles(kb, 8, folder["id"])
    everything, _ = await page(kb, limit=500)
    forward: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        ids, more = await page(kb, **params)
        forward.append(ids)
        cursor = ids[-1]
        if not more:
            break
    assert forward == [everything[0:3], everything[3:6], everything[6:8]]
    back, more = await page(kb, limit=3, cursor=everything[6], direction="previous")
    assert (back, more) == (everything[3:6], True)
    back, more = await page(kb, limit=3, cursor=everything[3], direction="previous")
    assert (back, more) == (everything[0:3], False)
    assert await page(kb, limit=3, cursor=everything[7]) == ([], False)
    assert await page(kb, limit=3, cursor=everything[0], direction="previous") == ([], False)


async def test_the_limit_defaults_to_fifty(kb: Kb) -> None:
    folder = await kb.folder()
    await make_articles(kb, 51, folder["id"])
    ids, more = await page(kb)
    assert len(ids) == 50 and more is True


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-an-id"}, "cursor"),
        ({"cursor": str(uuid.uuid4())}, "cursor"),
        ({"direction": "sideways"}, "direction"),
        ({"type": "published"}, "type"),
        ({"parentFolderId": "x"}, "parentFolderId"),
    ],
)
async def test_bad_parameters_are_400_naming_the_field(
    kb: Kb, params: dict[str, Any], field: str
) -> None:
    assert_error(await kb.call("GET", LIST, params=params), 400, field)


async def test_limit_500_is_accepted(kb: Kb) -> None:
    assert await page(kb, limit=500) == ([], False)


async def one_article(db: Database) -> tuple[Workspace, Article]:
    async with db.write() as session:
        workspace = await workspaces.get_or_create_workspace(session, "acme")
        folder = await folders.create_folder(session, workspace.id, "Billing")
        article = await articles.create_article(
            session, workspace.id, CONTENT, parent_folder_id=folder.id
        )
    return workspace, article


@pytest.mark.parametrize(
    ("kind", "direction", "index"),
    [
        (None, Direction.NEXT, "ix_articles_listing"),
        (ArticleKind.LIVE, Direction.NEXT, "ix_articles_kind_listing"),
        (ArticleKind.DRAFT, Direction.PREVIOUS, "ix_articles_kind_listing"),
    ],
)
async def test_a_page_seeks_through_an_index(
    db: Database, kind: ArticleKind | None, direction: Direction, index: str
) -> None:
    """O(page) at any depth: the cursor bounds an index range, rows are never counted."""
    workspace, article = await one_article(db)
    async with db.read() as session:
        if not db.is_sqlite:
            await session.execute(text("SET LOCAL enable_seqscan = off"))
        with captured_selects(db) as statements:
            await articles.list_articles(
                session, workspace.id, kind=kind, cursor_id=article.id, direction=direction
            )
        listing, parameters = next(s for s in statements if "LIMIT" in s[0])
        plan = await explain(session, listing, parameters, sqlite=db.is_sqlite)
    if db.is_sqlite:
        assert index in plan and "(updated_at,id)" in plan and "TEMP B-TREE" not in plan
    else:
        # PostgreSQL picks between the listing indexes by its statistics; either seeks.
        assert "Index Scan" in plan and "ix_articles_" in plan and "Sort" not in plan
        assert "Index Cond: " in plan and "ROW(updated_at, id)" in plan


async def test_get_by_ids_looks_the_ids_up_by_primary_key(db: Database) -> None:
    """Not by walking the workspace's listing index, which holds every article."""
    workspace, article = await one_article(db)
    async with db.read() as session:
        with captured_selects(db) as statements:
            found = await articles.get_articles(session, workspace.id, [article.id, uuid.uuid4()])
        lookup, parameters = next(s for s in statements if " IN (" in s[0])
        plan = await explain(session, lookup, parameters, sqlite=db.is_sqlite)
    assert [a.id for a in found] == [article.id]
    if db.is_sqlite:
        assert "sqlite_autoindex_articles_1 (id=?)" in plan and "ix_articles_" not in plan


CONTENT = ArticleContent(title="t", main_knowledge="m", questions=["q"], keywords=["k"])


@contextmanager
def captured_selects(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL text and driver parameters of each statement sent meanwhile."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    engine = db.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


async def explain(session: AsyncSession, sql: str, parameters: Any, *, sqlite: bool) -> str:
    connection = await session.connection()
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    rows = await connection.exec_driver_sql(prefix + sql, parameters)
    return "\n".join(str(row[-1]) for row in rows)
