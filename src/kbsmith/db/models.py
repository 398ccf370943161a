"""Imports every table so that metadata (and Alembic) sees them all."""

from kbsmith.answers.models import AnswerPassage, AnswerRecord
from kbsmith.connectors.models import Connection
from kbsmith.db.base import Base
from kbsmith.generation.models import ArticleFeatures, ArticleVector
from kbsmith.jobs.models import Job
from kbsmith.knowledge.models import (
    Agent,
    AgentFolder,
    Article,
    ArticleSource,
    ArticleVersion,
    Folder,
)
from kbsmith.ratelimits.models import RateWindow
from kbsmith.schedules.models import Schedule, ScheduleRun
from kbsmith.sources.models import Source, SourceBlob
from kbsmith.webhooks.models import Webhook, WebhookDelivery
from kbsmith.workspaces.models import ApiKey, Workspace

__all__ = [
    "Agent",
    "AgentFolder",
    "AnswerPassage",
    "AnswerRecord",
    "ApiKey",
    "Article",
    "ArticleFeatures",
    "ArticleSource",
    "ArticleVector",
    "ArticleVersion",
    "Base",
    "Connection",
    "Folder",
    "Job",
    "RateWindow",
    "Schedule",
    "ScheduleRun",
    "Source",
    "SourceBlob",
    "Webhook",
    "WebhookDelivery",
    "Workspace",
]
