"""SQLite writers take turns: first come, first served in a process, a flock across processes;
a writer that fails or is cancelled while it waits leaves no turn taken. A long step of Python
lets its own process's writer holding a lock (SQLite's, or a workspace's saving lock on
PostgreSQL) finish first."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from kbsmith.db.database import Database
from kbsmith.db.dialect import lock_workspace_knowledge
from kbsmith.db.turns import OwnWriters, WriterTurns

DEADLINE = 30.0


def held_elsewhere(lock_path: Path) -> bool:
    """Whether another descriptor holds the flock (checked without waiting)."""
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


async def test_writers_of_a_process_take_turns_in_the_order_they_ask(tmp_path: Path) -> None:
    turns = WriterTurns(tmp_path / "db.writer", OwnWriters())
    order: list[int] = []

    async def write(n: int) -> None:
        async with turns.turn():
            order.append(n)
            await asyncio.sleep(0)  # let the others queue up meanwhile

    await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(5))), DEADLINE)
    assert order == [0, 1, 2, 3, 4]
    assert not held_elsewhere(tmp_path / "db.writer")


async def test_a_writer_cancelled_while_waiting_leaves_no_turn_taken(tmp_path: Path) -> None:
    lock_path = tmp_path / "db.writer"
    first = WriterTurns(lock_path, OwnWriters())
    other_process = WriterTurns(lock_path, OwnWriters())

    async def take(turns: WriterTurns) -> None:
        async with turns.turn():
            pass

    async with first.turn():
        assert held_elsewhere(lock_path)
        waiting = asyncio.create_task(take(other_process))
        await asyncio.sleep(0)  # it tries, finds the flock taken, and waits in a thread
        assert not waiting.done()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    await asyncio.wait_for(take(other_process), DEADLINE)
    # the cancelled wait's thread may get the flock after that turn: it lets go at once (its
    # descriptor is closed as its wait ends, on the event loop)
    async with asyncio.timeout(DEADLINE):
        while held_elsewhere(lock_path):
            await asyncio.sleep(0.01)


async def test_a_failed_write_gives_its_turn_back(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'kbsmith.db'}")
    try:
        with pytest.raises(RuntimeError):
            async with db.write() as session:
                await session.execute(text("CREATE TABLE t (x INTEGER)"))
                raise RuntimeError("failed mid-transaction")
        async with asyncio.timeout(DEADLINE), db.write() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
        assert not held_elsewhere(tmp_path / "kbsmith.db.writer")
    finally:
        await db.dispose()


async def test_waiting_for_the_writer_waits_for_the_one_holding_the_lock(
    tmp_path: Path,
) -> None:
    """The barrier of a generation job: it returns once the writer holding the lock (which
    may have stamped an article it has not committed) lets go, and takes no turn itself."""
    lock_path = tmp_path / "db.writer"
    turns = WriterTurns(lock_path, OwnWriters())
    async with turns.turn():
        waiting = asyncio.create_task(turns.wait_for_writer())
        await asyncio.sleep(0)  # it finds the lock taken and waits in a thread
        assert not waiting.done()
    await asyncio.wait_for(waiting, DEADLINE)
    assert not held_elsewhere(lock_path)


async def test_waiting_for_the_writer_returns_at_once_when_none_holds_the_lock(
    tmp_path: Path,
) -> None:
    turns = WriterTurns(tmp_path / "db.writer", OwnWriters())
    await asyncio.wait_for(turns.wait_for_writer(), DEADLINE)
    assert not held_elsewhere(tmp_path / "db.writer")


Write = Callable[[asyncio.Event, list[str]], Awaitable[None]]
"""A writer: sets the event once it holds its lock, adds "writer done" to the list before it
lets go."""


async def long_step_after(write: Write, after: Callable[[], Awaitable[None]]) -> list[str]:
    """What finished in which order: the writer, and a long step that starts once the writer
    holds its lock, waiting first for its own process's writers (*after*)."""
    order: list[str] = []
    holding = asyncio.Event()

    async def long_step() -> None:
        await holding.wait()
        await after()
        order.append("long step")

    await asyncio.wait_for(asyncio.gather(long_step(), write(holding, order)), DEADLINE)
    return order


async def test_a_long_step_waits_for_its_own_process_writer_to_finish(tmp_path: Path) -> None:
    """A job about to run a long step of Python lets its process's writer finish first."""
    own = OwnWriters()
    turns = WriterTurns(tmp_path / "db.writer", own)

    async def writer(holding: asyncio.Event, order: list[str]) -> None:
        async with turns.turn():
            holding.set()
            for _ in range(3):  # statements: each a wait for the database
                await asyncio.sleep(0)
            order.append("writer done")

    assert await long_step_after(writer, own.after) == ["writer done", "long step"]
    await asyncio.wait_for(own.after(), DEADLINE)  # no writer: at once


@pytest.mark.parametrize("ends", ["commit", "roll back"])
async def test_a_long_step_waits_for_its_process_saver_until_its_transaction_ends(
    db: Database, ends: str
) -> None:
    """A generation job's saving transaction, on either database: once it holds the
    workspace's saving lock, this process's long steps wait until it commits or rolls back."""

    async def saver(holding: asyncio.Event, order: list[str]) -> None:
        with contextlib.suppress(RuntimeError):
            async with db.write() as session:
                await lock_workspace_knowledge(session, uuid.uuid4())
                db.holds_others_up(session)
                holding.set()
                for _ in range(3):
                    await session.execute(text("SELECT 1"))
                order.append("writer done")
                if ends == "roll back":
                    raise RuntimeError("the saving failed")

    assert await long_step_after(saver, db.after_own_writer) == ["writer done", "long step"]
    await asyncio.wait_for(db.after_own_writer(), DEADLINE)  # the saver let go: at once
