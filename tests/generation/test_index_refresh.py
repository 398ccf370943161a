"""The candidate index follows the knowledge base by its changes, and by a full comparison
whenever the changes cannot tell (a deletion)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.db.database import Database
from kbsmith.generation import index as index_module
from kbsmith.generation.features import lexical_features
from kbsmith.generation.index import CandidateIndex
from kbsmith.generation.shortlist import WorkspaceIndex
from kbsmith.knowledge import articles, folders, publishing
from kbsmith.knowledge.content import ArticleContent
from kbsmith.knowledge.models import Article
from kbsmith.workspaces.service import get_or_create_workspace


def content(title: str, body: str) -> ArticleContent:
    return ArticleContent(title=title, main_knowledge=body, questions=[f"{title}?"], keywords=["k"])


async def space(session: AsyncSession) -> tuple[uuid.UUID, uuid.UUID]:
    workspace = await get_or_create_workspace(session, f"refresh-{uuid.uuid4().hex[:8]}")
    folder = await folders.create_folder(session, workspace.id, "Docs")
    return workspace.id, folder.id


async def add(session: AsyncSession, where: tuple[uuid.UUID, uuid.UUID], title: str) -> Article:
    body = f"{title.lower()} text"
    return await articles.create_article(
        session, where[0], content(title, body), parent_folder_id=where[1]
    )


async def candidates(db: Database, index: CandidateIndex, workspace_id: uuid.UUID) -> set[str]:
    """Titles of the articles the index would shortlist for a text that names them all."""
    async with db.read() as session:
        refreshed = await index.refresh(session, workspace_id)
    return await shortlisted(
        db, index, workspace_id, refreshed, "alpha beta gamma delta epsilon zeta"
    )


async def shortlisted(
    db: Database, index: CandidateIndex, workspace_id: uuid.UUID, held: WorkspaceIndex, text: str
) -> set[str]:
    """Titles of the articles *held* shortlists for *text*, read as they are now."""
    async with db.read() as session:
        found = await index.shortlist(session, workspace_id, held, lexical_features("", text), None)
    return {s.entry.candidate.title for s in found}


async def test_refresh_follows_additions_edits_merges_and_deletions(db: Database) -> None:
    index = CandidateIndex(None)
    async with db.write() as session:
        where = await space(session)
        first = await add(session, where, "Alpha")
        second = await add(session, where, "Beta")
    assert await candidates(db, index, where[0]) == {"Alpha", "Beta"}
    full_at = index._workspaces[where[0]].full_at

    async with db.write() as session:
        await add(session, where, "Gamma")
        await articles.update_article(session, where[0], second.id, content("Delta", "delta text"))
        draft = await publishing.fork_draft(
            session, where[0], first.id, content("Epsilon", "epsilon text")
        )
    assert await candidates(db, index, where[0]) == {"Alpha", "Gamma", "Delta", "Epsilon"}
    assert index._workspaces[where[0]].full_at == full_at, "changes alone were read"

    async with db.write() as session:
        await publishing.publish_draft(session, where[0], draft.id)
    assert await candidates(db, index, where[0]) == {"Epsilon", "Gamma", "Delta"}

    async with db.write() as session:
        await articles.delete_article(session, where[0], second.id)
    assert await candidates(db, index, where[0]) == {"Epsilon", "Gamma"}
    assert index._workspaces[where[0]].full_at > full_at, "a deletion needs a full look"


HOUR = timedelta(hours=1)


async def test_a_late_commit_missed_by_the_changes_is_found_by_the_periodic_full_look(
    db: Database,
) -> None:
    index = CandidateIndex(None)
    async with db.write() as session:
        where = await space(session)
        doomed = await add(session, where, "Alpha")
    assert await candidates(db, index, where[0]) == {"Alpha"}
    async with db.write() as session:
        await articles.delete_article(session, where[0], doomed.id)
        late = await add(session, where, "Beta")
        # stamped long before it committed: older than any window of changes looks at
        await session.execute(
            update(Article).where(Article.id == late.id).values(updated_at=utcnow() - HOUR)
        )
    # one article gone, one arrived unseen: the count agrees, the changes show nothing (the
    # index still holds Alpha, but a shortlist reads its articles as they are: Alpha is gone)
    assert await candidates(db, index, where[0]) == set()
    assert set(index._workspaces[where[0]].index.versions()) == {doomed.id}
    index._workspaces[where[0]].full_at -= index_module.FULL_RESYNC_SECONDS + 1
    assert await candidates(db, index, where[0]) == {"Beta"}


async def test_a_distrusted_index_keeps_serving_until_its_full_look(db: Database) -> None:
    index = CandidateIndex(None)
    async with db.write() as session:
        where = await space(session)
        await add(session, where, "Alpha")
    assert await candidates(db, index, where[0]) == {"Alpha"}
    full_at = index._workspaces[where[0]].full_at
    index.distrust(where[0])  # a save found it out of date, while other jobs use it
    serving = index._workspaces[where[0]].index
    assert await shortlisted(db, index, where[0], serving, "alpha") == {"Alpha"}
    assert await candidates(db, index, where[0]) == {"Alpha"}
    assert index._workspaces[where[0]].full_at > full_at


async def test_a_long_lived_index_keeps_the_recently_used_workspaces_only(db: Database) -> None:
    index = CandidateIndex(None, max_workspaces=2)
    spaces = []
    async with db.write() as session:
        for title in ("Alpha", "Beta", "Gamma"):
            where = await space(session)
            await add(session, where, title)
            spaces.append(where[0])
    first, second, third = spaces
    async with db.read() as session:
        held = await index.refresh(session, first)  # a job of the first workspace holds it
    assert await candidates(db, index, second) == {"Beta"}
    async with index._workspaces[first].lock:  # being refreshed: never dropped
        assert await candidates(db, index, third) == {"Gamma"}
    assert len(index) == 2 and second not in index._workspaces
    assert await candidates(db, index, second) == {"Beta"}  # rebuilt when needed again
    assert len(index) == 2 and first not in index._workspaces  # the least recently used
    assert await shortlisted(db, index, first, held, "alpha") == {"Alpha"}
