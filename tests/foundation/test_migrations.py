"""One migration tree for both dialects, and it matches the models exactly."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.db.dialect import FULL_TEXT_COLUMN, FULL_TEXT_INDEX, FULL_TEXT_TABLE
from kbsmith.db.models import Base
from tests.support.effects import EFFECTS_TABLE


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        diff
        for diff in compare_metadata(context, Base.metadata)
        if not (diff[0] == "remove_table" and diff[1].name == EFFECTS_TABLE)
        and not _full_text_machinery(diff)
    ]


def _full_text_machinery(diff: Any) -> bool:
    """The full-text index of answer passages is made by the migration, outside the models:
    an FTS5 table and its shadow tables (SQLite), a tsvector column and its index (PostgreSQL)."""
    if diff[0] == "remove_table":
        return bool(diff[1].name.startswith(FULL_TEXT_TABLE))
    if diff[0] == "remove_column":
        return bool(diff[2] == "answer_passages" and diff[3].name == FULL_TEXT_COLUMN)
    if diff[0] == "remove_index":
        return bool(diff[1].name == FULL_TEXT_INDEX)
    return False


async def test_migrations_create_exactly_the_models(migrated_db: Database) -> None:
    async with migrated_db.read_engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
    assert await migrate.is_current(migrated_db)
