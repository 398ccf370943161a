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
from collections.abc import AsyncIterator
from pathlib import Path


class WriterTurns:
    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self._local: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._process_turn():
            fd = await self._flocked()
            try:
                yield
            finally:
                os.close(fd)  # closing the descriptor releases the flock

    def _process_turn(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._local is None or self._local[0] is not loop:
            self._local = (loop, asyncio.Lock())
        return self._local[1]

    async def _flocked(self) -> int:
        fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        except BaseException:
            os.close(fd)
            raise
        waiting = asyncio.get_running_loop().run_in_executor(None, fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            await asyncio.shield(waiting)
        except BaseException:
            # cancelled (or failed) while a thread still waits: the descriptor is closed when
            # that wait ends, so a lock it then gets is released at once
            waiting.add_done_callback(lambda _: os.close(fd))
            raise
        return fd
