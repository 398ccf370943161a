"""`kbsmith ask` as a person runs it, on the embedded default."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.knowledge import agents, articles, folders, junctions
from kbsmith.settings import Settings
from kbsmith.workspaces import service as workspaces
from tests.answers.conftest import CANCEL, INVOICES, content_of
from tests.support.processes import run_kbsmith

pytestmark = pytest.mark.slow  # starts real kbsmith processes


run = run_kbsmith


async def _seed(url: str) -> str:
    """Billing (cancel) and Documents (invoices); an agent that sees only Documents."""
    db = Database(url)
    await migrate.upgrade(db)
    async with db.write() as session:
        workspace = await workspaces.get_or_create_workspace(session, "acme")
        billing = await folders.create_folder(session, workspace.id, "Billing")
        documents = await folders.create_folder(session, workspace.id, "Documents")
        await articles.create_article(
            session, workspace.id, content_of(CANCEL), parent_folder_id=billing.id
        )
        await articles.create_article(
            session, workspace.id, content_of(INVOICES), parent_folder_id=documents.id
        )
        agent = await agents.create_agent(session, workspace.id, "Documents bot")
        change = junctions.JunctionChange(agent.id, documents.id, junctions.JunctionAction.ADD)
        await junctions.apply_junctions(session, workspace.id, [change])
    await db.dispose()
    return str(agent.id)


def test_ask_prints_the_answer_and_its_sources(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    bot_id = asyncio.run(_seed(settings.resolved_database_url))

    answered = run(tmp_path, "ask", "--workspace", "acme", "How do I cancel my subscription?")
    assert answered.returncode == 0, answered.stderr
    assert "Cancel plan" in answered.stdout
    assert "Sources" in answered.stdout and CANCEL["title"] in answered.stdout

    scoped = run(
        tmp_path, "ask", "--workspace", "acme", "--bot", bot_id, "How do I cancel my subscription?"
    )
    assert scoped.returncode == 1
    assert "don't know" in scoped.stdout and CANCEL["title"] not in scoped.stdout

    unknown = run(tmp_path, "ask", "--workspace", "nobody", "How do I cancel?")
    assert unknown.returncode == 1 and "nobody" in unknown.stderr
