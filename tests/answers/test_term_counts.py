"""Term counts agree on both databases: they weigh terms, so a dialect's tokenizer must not
make a common term look rare."""

from __future__ import annotations

import pytest

from kbsmith.answers.retrieval import query_terms, term_counts
from kbsmith.db.database import Database
from kbsmith.knowledge import articles, folders
from kbsmith.knowledge.content import ArticleContent
from kbsmith.workspaces import service as workspaces

TEXTS = [
    ("What is COVID-19?", "COVID-19 is the disease caused by a new coronavirus."),
    ("Can pets get COVID-19?", "A few pets have caught the virus; see the 2-19 notice."),
    ("How long does the virus live on surfaces?", "Up to 3 days on plastic, 19 hours on paper."),
]


@pytest.mark.parametrize(
    ("question", "held"),
    [
        ("What is covid 19?", {"covid": 3, "19": 5}),  # "-19" of "COVID-19" is 19 too
        ("virus on paper", {"virus": 2, "paper": 1}),
        ("What's a ferret?", {"ferret": 0}),  # "what's" is no term to count
    ],
)
async def test_terms_are_counted_as_the_question_reads_them(
    db: Database, question: str, held: dict[str, int]
) -> None:
    async with db.write() as session:
        workspace = await workspaces.get_or_create_workspace(session, "counts")
        folder = await folders.create_folder(session, workspace.id, "FAQ")
        for title, body in TEXTS:
            content = ArticleContent(
                title=title, main_knowledge=body, questions=[title], keywords=["faq"]
            )
            await articles.create_article(
                session, workspace.id, content, parent_folder_id=folder.id
            )
    async with db.read() as session:
        assert await term_counts(session, workspace.id, query_terms(question)) == held
