"""The SQLite driver runs each statement in one call on aiosqlite's thread, with the results,
row counts, ids and errors SQLAlchemy's own adapter gives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import aiosqlite
import pytest
from sqlalchemy import CursorResult, text
from sqlalchemy.exc import IntegrityError

from kbsmith.db.database import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'kbsmith.db'}")
    async with database.write() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield database
    await database.dispose()


@pytest.mark.parametrize(
    ("statement", "expected_rows", "expected_count"),
    [
        ("SELECT id, name FROM t ORDER BY id", [(1, "a"), (2, "b"), (3, "c")], None),
        ("SELECT name FROM t WHERE id > 5", [], None),
        ("UPDATE t SET name = name || '!' WHERE id >= 2", None, 2),
        ("UPDATE t SET name = upper(name) WHERE id = 1 RETURNING name", [("A",)], None),
        ("DELETE FROM t WHERE id = 3", None, 1),
    ],
)
async def test_statements_give_their_rows_and_counts(
    db: Database,
    statement: str,
    expected_rows: list[tuple[Any, ...]] | None,
    expected_count: int | None,
) -> None:
    async with db.write() as session:
        await session.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": n} for n in "abc"]
        )
        result = cast(CursorResult[Any], await session.execute(text(statement)))
        if expected_rows is not None:
            assert [tuple(row) for row in result.all()] == expected_rows
        if expected_count is not None:
            assert result.rowcount == expected_count


async def test_an_insert_reports_its_row_id(db: Database) -> None:
    async with db.write() as session:
        result = cast(
            CursorResult[Any], await session.execute(text("INSERT INTO t (name) VALUES ('x')"))
        )
        assert result.lastrowid == 1


async def test_a_constraint_violation_is_sqlalchemys_integrity_error(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.write() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('x'), ('x')"))
    async with db.read() as session:
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0


async def test_a_statement_is_one_call_on_the_connections_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    def counted(self: aiosqlite.Connection, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return original(self, fn, *args)  # type: ignore[no-untyped-call]

    async with db.write() as session:
        await session.execute(text("SELECT 1"))  # the transaction's BEGIN is behind us
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        rows = (await session.execute(text("SELECT id, name FROM t"))).all()
    assert rows == []
    # the statement, then the transaction's end (and the pool's reset); no cursor, fetch, close
    assert calls[0] == "_run" and set(calls[1:]) <= {"commit", "rollback"}, calls
