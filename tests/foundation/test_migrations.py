"""One migration tree for both dialects, and it matches the models exactly."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.db.models import Base
from tests.support.effects import EFFECTS_TABLE


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        diff
        for diff in compare_metadata(context, Base.metadata)
        if not (diff[0] == "remove_table" and diff[1].name == EFFECTS_TABLE)
    ]


async def test_migrations_create_exactly_the_models(migrated_db: Database) -> None:
    async with migrated_db.read_engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
    assert await migrate.is_current(migrated_db)
