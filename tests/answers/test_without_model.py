"""Without the embedding model, answers rest on full text and term coverage alone, under
their own floor."""

from __future__ import annotations

import uuid

from kbsmith.answers import service
from kbsmith.answers.answering import NOT_KNOWN, Turn
from kbsmith.db.database import Database
from kbsmith.knowledge import articles, folders
from kbsmith.workspaces import service as workspaces
from tests.answers.conftest import CANCEL, INVOICES, content_of


async def _seed(db: Database) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    async with db.write() as session:
        workspace = await workspaces.get_or_create_workspace(session, "lexical")
        folder = await folders.create_folder(session, workspace.id, "Billing")
        ids = {}
        for topic in (CANCEL, INVOICES):
            created = await articles.create_article(
                session, workspace.id, content_of(topic), parent_folder_id=folder.id
            )
            ids[topic["title"]] = created.id
        return workspace.id, ids


async def test_lexical_answers_and_refusals(db: Database) -> None:
    workspace_id, ids = await _seed(db)
    async with db.read() as session:
        known = await service.ask(
            session,
            workspace_id,
            service.Question("Where can I download my invoices?"),
            use_model=False,
        )
        unknown = await service.ask(
            session, workspace_id, service.Question("Can my dog catch the flu?"), use_model=False
        )

    assert known.success and known.based_on[0].article_id == ids[INVOICES["title"]]
    assert "Download" in known.text
    assert not unknown.success and unknown.based_on == [] and unknown.text == NOT_KNOWN


async def test_without_the_model_a_follow_up_is_read_with_the_previous_question(
    db: Database,
) -> None:
    """Coverage cannot say which reading is surer (a fragment holds all its few words)."""
    workspace_id, _ = await _seed(db)
    history = [Turn("user", "How do I cancel my subscription?")]
    async with db.read() as session:
        answer = await service.ask(
            session,
            workspace_id,
            service.Question("So where do I download invoices?", history),
            use_model=False,
        )
    assert answer.question == "How do I cancel my subscription where do I download invoices?"
