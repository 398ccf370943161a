"""Workspaces with a few articles on distinct topics, asked through the HTTP API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kbsmith.knowledge.content import ArticleContent
from tests.conftest import Keys
from tests.knowledge.conftest import JSON, Kb

ASK = "/v2/bots/ask-question"

IOS: JSON = {
    "title": "Resetting your password on iOS",
    "mainKnowledge": (
        "On an iPhone or iPad, open the Acme app, tap Account, then Reset password.\n\n"
        "We email you a reset link that works for 30 minutes."
    ),
    "questions": ["How do I reset my password on iOS?"],
    "keywords": ["password", "iphone"],
}
ANDROID: JSON = {
    "title": "Resetting your password on Android",
    "mainKnowledge": (
        "On an Android phone, open the Acme app menu, choose Profile, then Forgot password.\n\n"
        "A six-digit code arrives by SMS within a minute; type it in to choose a new password."
    ),
    "questions": ["How do I reset my password on Android?"],
    "keywords": ["password", "android"],
}
CANCEL: JSON = {
    "title": "Canceling your subscription",
    "mainKnowledge": (
        "Open Billing in the dashboard and choose Cancel plan. Your plan stays active until "
        "the end of the paid period, and nothing more is charged."
    ),
    "questions": ["How do I cancel my subscription?"],
    "keywords": ["cancel", "billing"],
}
INVOICES: JSON = {
    "title": "Downloading invoices as PDF",
    "mainKnowledge": (
        "Every invoice can be downloaded as a PDF from Billing, Invoices: pick the month and "
        "press Download."
    ),
    "questions": ["Where can I download my invoices?"],
    "keywords": ["invoice", "pdf"],
}


class Asker(Kb):
    """A workspace that can also ask questions."""

    async def ask(self, question: str, **extra: Any) -> JSON:
        answer: JSON = await self.ok("POST", ASK, {"question": question} | extra)
        return answer

    async def cited(self, question: str, **extra: Any) -> list[str]:
        answer = await self.ask(question, **extra)
        return [entry["articleId"] for entry in answer["based_on"]]

    async def write(self, folder_id: str, topic: JSON, **extra: Any) -> JSON:
        return await self.article(folder_id, **topic, **extra)


@pytest.fixture
async def asker(client: httpx.AsyncClient, keys: Keys) -> Asker:
    return Asker(client, await keys.headers("acme"))


@pytest.fixture
async def stranger(client: httpx.AsyncClient, keys: Keys) -> Asker:
    return Asker(client, await keys.headers("globex"))


def content_of(topic: JSON) -> ArticleContent:
    """An article's content from one of the topics above (their wire bodies)."""
    return ArticleContent(
        title=topic["title"],
        main_knowledge=topic["mainKnowledge"],
        questions=topic["questions"],
        keywords=topic["keywords"],
    )
