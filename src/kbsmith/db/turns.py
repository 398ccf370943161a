"""SQLite writers take turns in the order they ask, across kbsmith's processes.

SQLite has one write lock, and a writer that finds it taken waits in SQLite's busy handler,
which sleeps and looks again (1, 2, 5, … then 100 ms at a time): the lock is often free long
before a waiter wakes, and waiters wake in no order. With four generation jobs in two worker
processes, writers spent twice as long waiting as writing. Here a writer first takes its
process's turn (an asyncio lock: first come, first served), then an exclusive ``flock`` on a
file beside the database, which the kernel hands to the next process the moment it is
released; BEGIN IMMEDIATE then finds the lock free (SQLite's own wait remains for any other
program writing the file).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path


class _Holders:
    """An event loop's writers holding a lock that other writers wait for."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.count = 0
        self.idle = asyncio.Event()
        """Set while none holds it."""
        self.idle.set()


class OwnWriters:
    """Which of this process's writers hold a lock other writers wait for: SQLite's write lock,
    or PostgreSQL's saving lock of a workspace. A step of Python that runs long on the event
    loop waits for them first (`after`): every statement of such a writer waits for the step
    the loop is running, and the writer holds every other writer up meanwhile."""

    def __init__(self) -> None:
        self._holders: _Holders | None = None

    def hold(self) -> Callable[[], None]:
        """A writer now holds the lock; call what this returns once it let go (again: no-op)."""
        holders = self._local()
        holders.count += 1
        holders.idle.clear()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                holders.count -= 1
                if holders.count == 0:
                    holders.idle.set()

        return release

    async def after(self) -> None:
        """Return once no writer of this process holds the lock."""
        await self._local().idle.wait()

    def _local(self) -> _Holders:
        loop = asyncio.get_running_loop()
        if self._holders is None or self._holders.loop is not loop:
            self._holders = _Holders(loop)
        return self._holders


class _Local:
    """A process's (an event loop's) side of the turns."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.turn = asyncio.Lock()


class WriterTurns:
    def __init__(self, lock_path: Path, own: OwnWriters) -> None:
        self.lock_path = lock_path
        self._own = own
        self._local: _Local | None = None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        local = self._process_local()
        async with local.turn:
            fd = await self._flocked()
            release = self._own.hold()
            try:
                yield
            finally:
                os.close(fd)  # closing the descriptor releases the flock
                release()

    async def wait_for_writer(self) -> None:
        """Return once the writer holding the lock now (of any process) has let go: a shared
        ``flock``, taken and dropped. It takes no turn: it does not queue behind the writers
        of its own process, and the kernel may hand it the lock before other waiters."""
        os.close(await self._flocked(fcntl.LOCK_SH))

    def _process_local(self) -> _Local:
        loop = asyncio.get_running_loop()
        if self._local is None or self._local.loop is not loop:
            self._local = _Local(loop)
        return self._local

    async def _flocked(self, mode: int = fcntl.LOCK_EX) -> int:
        fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        except BaseException:
            os.close(fd)
            raise
        waiting = asyncio.get_running_loop().run_in_executor(None, fcntl.flock, fd, mode)
        try:
            await asyncio.shield(waiting)
        except BaseException:
            # cancelled (or failed) while a thread still waits: the descriptor is closed when
            # that wait ends, so a lock it then gets is released at once
            waiting.add_done_callback(lambda _: os.close(fd))
            raise
        return fd
