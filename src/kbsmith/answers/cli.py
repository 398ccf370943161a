"""`kbsmith ask`: ask a workspace's live knowledge from a terminal."""

from __future__ import annotations

import uuid

from rich.console import Console
from rich.markup import escape

from kbsmith.answers import service
from kbsmith.db.database import Database
from kbsmith.workspaces.service import require_workspace

out = Console(soft_wrap=True)
"""The answer on stdout as it is: never cut at the width rich assumes off a terminal."""


async def ask_from_cli(
    db: Database, workspace: str, question: str, bot_id: uuid.UUID | None, floor: float | None
) -> bool:
    """Prints the answer, then its sources; True when the knowledge answered."""
    async with db.read() as session:
        owner = await require_workspace(session, workspace)
    asked = service.Question(question, agent_id=bot_id)
    answer = await service.ask_and_record(db, owner.id, asked, key_id=None, floor=floor)
    out.print(escape(answer.text))
    if answer.based_on:
        out.print("\n[bold]Sources[/]")
    for rank, citation in enumerate(answer.based_on, start=1):
        out.print(
            f"{rank}. {escape(citation.title)}  [dim]{citation.article_id}  "
            f"score {citation.score:.3f}[/]"
        )
    return answer.success
