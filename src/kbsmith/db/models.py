"""Imports every table so that metadata (and Alembic) sees them all."""

from kbsmith.db.base import Base
from kbsmith.jobs.models import Job
from kbsmith.knowledge.models import Agent
from kbsmith.sources.models import Source
from kbsmith.workspaces.models import ApiKey, Workspace

__all__ = ["Agent", "ApiKey", "Base", "Job", "Source", "Workspace"]
