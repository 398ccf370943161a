"""Engines and transactions: separate read and write engines let SQLite lock writers early."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from kbsmith.db.dialect import engine_options, is_sqlite, prepare_sqlite_engine
from kbsmith.db.turns import OwnWriters, WriterTurns

AFTER_COMMIT_HOOKS = "after_commit_hooks"
END_HOOKS = "transaction_end_hooks"


class Database:
    """One per process: the engines and session factories for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = is_sqlite(url)
        self._turns: WriterTurns | None = None
        self._own_writers = OwnWriters()
        if self.is_sqlite:
            database_file = _ensure_sqlite_directory(url)
            self.write_engine = self._sqlite_engine(immediate=True)
            self.read_engine = self._sqlite_engine(immediate=False)
            if database_file is not None:
                lock_path = database_file.with_name(database_file.name + ".writer")
                self._turns = WriterTurns(lock_path, self._own_writers)
        else:
            self.write_engine = create_async_engine(url, **engine_options(url))
            self.read_engine = self.write_engine
        self._write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    def _sqlite_engine(self, *, immediate: bool) -> AsyncEngine:
        engine = create_async_engine(self.url, **engine_options(self.url))
        prepare_sqlite_engine(engine.sync_engine, immediate=immediate)
        return engine

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed when the block ends, rolled back on error."""
        async with self._turn(), self._write_sessions() as session, session.begin():
            yield session

    async def wait_for_writers(self) -> None:
        """Return once every write transaction open when this was called has ended: with
        writers' turns (an SQLite file), once the writer holding the turn lets go, with no
        transaction and without queueing for a turn; otherwise an empty write transaction
        (BEGIN IMMEDIATE waits for the writer)."""
        if self._turns is None:
            async with self.write():
                return
        await self._turns.wait_for_writer()

    async def after_own_writer(self) -> None:
        """Before a long step of Python on the event loop: let this process's writers holding
        a lock others wait for finish first (see ``OwnWriters``)."""
        await self._own_writers.after()

    def holds_others_up(self, session: AsyncSession) -> None:
        """*session*'s transaction now holds a lock other writers wait for, until it ends: this
        process's long steps let it finish first (`after_own_writer`). SQLite's write turns
        count already; on PostgreSQL, the saving lock of a workspace."""
        if self._turns is None:
            until_transaction_ends(session, self._own_writers.hold())

    def _turn(self) -> contextlib.AbstractAsyncContextManager[None]:
        return self._turns.turn() if self._turns is not None else contextlib.nullcontext()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()


def after_commit(session: AsyncSession, hook: Callable[[], Any]) -> None:
    """Run ``hook`` once the session's transaction has committed (never on rollback)."""
    hooks: list[Callable[[], Any]] = session.info.setdefault(AFTER_COMMIT_HOOKS, [])
    hooks.append(hook)


def until_transaction_ends(session: AsyncSession, hook: Callable[[], Any]) -> None:
    """Run ``hook`` once the session's transaction has ended, committed or not."""
    hooks: list[Callable[[], Any]] = session.info.setdefault(END_HOOKS, [])
    hooks.append(hook)


@event.listens_for(Session, "after_transaction_end")
def _run_end_hooks(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        for hook in session.info.pop(END_HOOKS, []):
            hook()


@event.listens_for(Session, "after_commit")
def _run_after_commit_hooks(session: Session) -> None:
    for hook in session.info.pop(AFTER_COMMIT_HOOKS, []):
        hook()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit_hooks(session: Session) -> None:
    session.info.pop(AFTER_COMMIT_HOOKS, None)


def _ensure_sqlite_directory(url: str) -> Path | None:
    """The database's directory and file, created readable by their owner only (SQLite gives
    its -wal and -shm files the database file's mode). An existing file is never opened here:
    closing any descriptor of a file drops every POSIX lock this process holds on it, so
    SQLite's own connections in this process would lose theirs ("disk I/O error")."""
    database = make_url(url).database
    if database and database != ":memory:":
        path = Path(database)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            with suppress(FileExistsError):  # another process made it meanwhile
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return path
    return None
