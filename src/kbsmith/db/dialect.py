"""Every difference between SQLite and PostgreSQL that the code base cares about."""

from __future__ import annotations

import functools
import operator
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    String,
    Table,
    case,
    cast,
    column,
    event,
    func,
    literal_column,
    table,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from kbsmith.db.sqlite_driver import OneHopDBAPI

if TYPE_CHECKING:
    from kbsmith.db.database import Database

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
POSTGRES_MIGRATION_LOCK = 4_200_001


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def engine_options(url: str) -> dict[str, Any]:
    if is_sqlite(url):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}, "module": OneHopDBAPI()}
    return {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}


def prepare_sqlite_engine(engine: Engine, *, immediate: bool) -> None:
    """WAL, busy timeout, foreign keys; writers take the lock up front (BEGIN IMMEDIATE).

    The driver's own transaction handling is switched off so that we emit BEGIN ourselves:
    a deferred transaction that later writes can fail with SQLITE_BUSY without waiting.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


async def insert_ignoring_conflicts(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], index_elements: list[str]
) -> None:
    """INSERT … ON CONFLICT DO NOTHING: concurrent requests may add the same row."""
    if not rows:
        return
    module = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = (
        module.insert(table).values(rows).on_conflict_do_nothing(index_elements=index_elements)
    )
    await session.execute(statement)


async def upsert(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], index_elements: list[str]
) -> None:
    """INSERT … ON CONFLICT DO UPDATE of every other column: the last writer's row wins."""
    if not rows:
        return
    module = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = module.insert(table).values(rows)
    updated = {c: statement.excluded[c] for c in rows[0] if c not in index_elements}
    await session.execute(
        statement.on_conflict_do_update(index_elements=index_elements, set_=updated)
    )


def unindexed(column: ColumnElement[T], session: AsyncSession) -> ColumnElement[T]:
    """The column as an expression no index serves: its filter is then checked on the rows
    that the statement's other conditions find.

    Without ANALYZE statistics SQLite guesses that an equality on an index's first column
    matches about ten rows, so ``workspace_id = ? AND id IN (…100 ids…)`` would walk the
    workspace's whole listing index (100,000 entries) instead of looking the ids up by primary
    key. A unary ``+`` is SQLite's documented way to keep a term from using an index.
    PostgreSQL plans from its statistics: the column is left as it is.
    """
    if session.get_bind().dialect.name != "sqlite":
        return column
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


class UuidText(NamedTuple):
    """How to read a UUID column as text, for reads that return so many ids that UUID objects
    would cost more than the query (and keep the garbage collector busy)."""

    column: ColumnElement[str]
    """Selects the id as text; two such values are equal exactly when the UUIDs are."""
    canonical: Callable[[str], str]
    """Turns a value of ``column`` into the UUID's canonical ``8-4-4-4-12`` text."""


def uuid_text(column: ColumnElement[Any], session: AsyncSession) -> UuidText:
    """SQLite stores SQLAlchemy's 32 hex digits, read as they are; PostgreSQL's ``uuid::text``
    is canonical already (psycopg would otherwise make a UUID object of every value)."""
    if session.get_bind().dialect.name == "sqlite":
        return UuidText(type_coerce(column, String()), _hex_to_uuid_text)
    return UuidText(cast(column, String()), _same_text)


def _hex_to_uuid_text(value: str) -> str:
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _same_text(value: str) -> str:
    return value


def skip_locked(statement: Select[Any], session: AsyncSession) -> Select[Any]:
    """Row locks for queue claims; SQLite needs none (BEGIN IMMEDIATE serialises writers)."""
    if session.get_bind().dialect.name == "sqlite":
        return statement
    return statement.with_for_update(skip_locked=True)


async def lock_workspace_knowledge(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Serialise the saving step of generation jobs of one workspace, so two jobs cannot both
    add the same topic. SQLite writers are serialised by BEGIN IMMEDIATE already."""
    if session.get_bind().dialect.name == "sqlite":
        return
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _workspace_key(workspace_id)}
    )


async def wait_for_knowledge_savers(db: Database, workspace_id: uuid.UUID) -> None:
    """Wait until no transaction holding `lock_workspace_knowledge` for the workspace is
    still open: what a job reads afterwards includes every article such a transaction stamped
    before this call. Saving jobs do not wait for each other here: a shared lock on
    PostgreSQL, in a transaction of its own; on SQLite, where writers take turns, a turn
    taken and given back (every saver stamps and commits within its turn)."""
    if db.is_sqlite:
        await db.wait_for_writers()
        return
    async with db.write() as session:
        await session.execute(
            text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": _workspace_key(workspace_id)}
        )


def _workspace_key(workspace_id: uuid.UUID) -> int:
    return int.from_bytes(workspace_id.bytes[:8], "big", signed=True)


async def without_waiting_for_disk(session: AsyncSession) -> None:
    """This transaction's commit returns before its WAL reaches the disk (PostgreSQL's
    ``synchronous_commit = off``, for this transaction only): for a log whose last few
    records may be lost to a crash, never corrupted. SQLite: nothing changes."""
    if session.get_bind().dialect.name == "sqlite":
        return
    await session.execute(text("SET LOCAL synchronous_commit = off"))


async def lock_for_migration(connection: AsyncConnection, url: str) -> None:
    """Several processes may start at once against PostgreSQL; one migrates at a time."""
    if not is_sqlite(url):
        await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({POSTGRES_MIGRATION_LOCK})")


# Full-text search over answer passages: an FTS5 table kept by triggers on SQLite, a generated
# tsvector column with a GIN index on PostgreSQL. Neither is an ORM object: the migration
# creates them and the migration test knows their names.
FULL_TEXT_TABLE = "answer_passages_fts"
FULL_TEXT_COLUMN = "search"
FULL_TEXT_INDEX = "ix_answer_passages_search"

_SQLITE_FULL_TEXT = (
    "CREATE VIRTUAL TABLE answer_passages_fts USING fts5(text, content='answer_passages', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER answer_passages_fts_insert AFTER INSERT ON answer_passages BEGIN "
    "INSERT INTO answer_passages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER answer_passages_fts_delete AFTER DELETE ON answer_passages BEGIN "
    "INSERT INTO answer_passages_fts(answer_passages_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER answer_passages_fts_update AFTER UPDATE OF text ON answer_passages BEGIN "
    "INSERT INTO answer_passages_fts(answer_passages_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); "
    "INSERT INTO answer_passages_fts(rowid, text) VALUES (new.id, new.text); END",
)
_POSTGRES_FULL_TEXT = (
    "ALTER TABLE answer_passages ADD COLUMN search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_answer_passages_search ON answer_passages USING gin (search)",
)


def full_text_ddl(dialect_name: str) -> tuple[str, ...]:
    """What the migration runs after creating ``answer_passages``."""
    return _SQLITE_FULL_TEXT if dialect_name == "sqlite" else _POSTGRES_FULL_TEXT


def full_text_drop_ddl(dialect_name: str) -> tuple[str, ...]:
    if dialect_name == "sqlite":
        return ("DROP TABLE IF EXISTS answer_passages_fts",)
    return ()


class FullText(NamedTuple):
    """A full-text match over passages: select from ``source``, filter by ``matches``, order
    by ``relevance`` (higher is better; comparable only within one query)."""

    source: FromClause
    matches: ColumnElement[bool]
    relevance: ColumnElement[float]


def full_text(
    session: AsyncSession,
    passages: Table,
    terms: Sequence[str],
    *,
    every: bool = False,
    weights: Mapping[str, float] | None = None,
) -> FullText:
    """Passages holding any of ``terms`` (plain words; all of them with ``every``): FTS5
    ``MATCH`` ranked by bm25 on SQLite; ``websearch_to_tsquery`` over the GIN-indexed tsvector
    on PostgreSQL, ranked by the summed ``weights`` of the terms each passage holds when they
    are given (``ts_rank`` knows no term's rarity: the 30 articles of its best passages often
    left out the right one's closest neighbours), else by ``ts_rank``. Both stem English
    words."""
    if session.get_bind().dialect.name == "sqlite":
        fts = table(FULL_TEXT_TABLE, column("rowid", Integer))
        joiner = " AND " if every else " OR "
        query = joiner.join('"' + term.replace('"', '""') + '"' for term in terms)
        match = literal_column(FULL_TEXT_TABLE).op("MATCH")(query)
        bm25 = func.bm25(literal_column(FULL_TEXT_TABLE), type_=Float())
        return FullText(passages.join(fts, fts.c.rowid == passages.c.id), match, -bm25)
    vector: ColumnElement[Any] = literal_column(f"{passages.name}.{FULL_TEXT_COLUMN}")
    tsquery = functools.reduce(
        lambda a, b: a.op("&&" if every else "||")(b), [_tsquery(term) for term in terms]
    )
    rank: ColumnElement[float] = func.ts_rank(vector, tsquery, type_=Float())
    if weights:
        held = [
            case((vector.op("@@")(_tsquery(term)), weights[term]), else_=0.0)
            for term in terms
            if weights.get(term)
        ]
        if held:
            rank = functools.reduce(operator.add, held)
    return FullText(passages, vector.op("@@")(tsquery), rank)


def _tsquery(term: str) -> ColumnElement[Any]:
    """One plain word as PostgreSQL's English full text indexes it. Its parser reads the
    "-19" of "COVID-19" as a signed number: a number is asked for with and without the sign
    (else "19" counted 1 passage of CovidFAQ's 67 articles, and weighed as rare)."""
    english: ColumnElement[str] = literal_column("'english'")
    if term.isdigit():
        return func.to_tsquery(english, f"'{term}' | '-{term}'")
    return func.websearch_to_tsquery(english, term)


async def increment(session: AsyncSession, table: Table, key: dict[str, Any], counter: str) -> int:
    """``INSERT … ON CONFLICT (key) DO UPDATE SET counter = counter + 1 RETURNING counter``:
    one statement, atomic across processes on both dialects; answers the new count."""
    module = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = (
        module.insert(table)
        .values({**key, counter: 1})
        .on_conflict_do_update(index_elements=list(key), set_={counter: table.c[counter] + 1})
        .returning(table.c[counter])
    )
    count: int = (await session.execute(statement)).scalar_one()
    return count
