"""`IsolatedExtractor`: `extract` run in child processes with hard limits (see `child.py`).

A child is started once and reused for document after document, so a normal page costs a
round trip through a pipe; one that runs over its budget is killed (its memory goes back to
the system) and the next document gets a new child. A cancelled caller (a job's timeout)
kills the child it was waiting for: no parse goes on after its job has given up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import structlog

from kbsmith import lifeline
from kbsmith.extraction import protocol
from kbsmith.extraction.limits import MAX_EXTRACTED_CHARS, ProcessBudget
from kbsmith.extraction.result import Extracted, ExtractionError, LimitExceeded

log = structlog.get_logger(__name__)

STARTUP_SECONDS = 120.0
"""How long a new child may take to import the extraction code (a loaded machine is slow)."""
_MAX_ANSWER_BYTES = 8 * MAX_EXTRACTED_CHARS + 1024 * 1024
"""An answer frame longer than this (JSON of the longest text allowed, escapes included) is
refused: the child is then misbehaving."""


class Child:
    """One extraction child process and its pipes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        assert process.stdin is not None and process.stdout is not None
        self._stdin = process.stdin
        self._stdout = process.stdout
        self.retiring = False
        """Said by its last answer: it ends after that document (see `child.py`)."""

    @classmethod
    async def start(cls, budget: ProcessBudget) -> Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kbsmith.extraction.child",
            str(budget.memory_bytes),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=lifeline.child_environment(dict(os.environ)),
        )
        child = cls(process)
        try:
            async with asyncio.timeout(STARTUP_SECONDS):
                ready = await child._read_answer()
        except BaseException:
            await child.kill()
            raise
        if "ready" not in ready:
            await child.kill()
            raise ExtractionError("the extraction process did not start")
        return child

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def extract(
        self, body: bytes, content_type: str | None, url: str | None, budget: ProcessBudget
    ) -> dict[str, Any]:
        header = {"contentType": content_type, "url": url, "cpuSeconds": budget.cpu_seconds}
        self._stdin.write(protocol.frame_json(header) + protocol.frame(body))
        async with asyncio.timeout(budget.wall_seconds):
            await self._stdin.drain()
            answer = await self._read_answer()
        self.retiring = bool(answer.pop("retiring", False))
        return answer

    async def _read_answer(self) -> dict[str, Any]:
        length = protocol.frame_length(await self._stdout.readexactly(protocol.LENGTH_SIZE))
        if length > _MAX_ANSWER_BYTES:
            raise LimitExceeded("extracted_chars", f"an answer of {length:,} bytes")
        answer = json.loads(await self._stdout.readexactly(length))
        if not isinstance(answer, dict):
            raise ExtractionError("the extraction process answered nonsense")
        return answer

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.process.wait()

    async def close(self) -> None:
        """Closing its input ends an idle child; one that does not is killed."""
        self._stdin.close()
        try:
            async with asyncio.timeout(5):
                await self.process.wait()
        except TimeoutError:
            await self.kill()


class IsolatedExtractor:
    """`extract` in up to *processes* children at once (one document each)."""

    def __init__(self, budget: ProcessBudget | None = None, processes: int = 2) -> None:
        self.budget = budget or ProcessBudget()
        self._slots = asyncio.Semaphore(processes)
        self._idle: list[Child] = []
        self._busy: set[Child] = set()

    @property
    def pids(self) -> list[int]:
        """The children's process ids (to watch what they cost)."""
        return [child.process.pid for child in (*self._idle, *self._busy) if child.alive]

    async def extract(self, body: bytes, content_type: str | None, url: str | None) -> Extracted:
        """Title and paragraphs of *body*; ExtractionError (`LimitExceeded` for a budget)
        when it has none or costs too much."""
        if not body:
            raise ExtractionError("empty response body")
        async with self._child() as child:
            answer = await self._run(child, body, content_type, url)
        return protocol.extracted_from(answer)

    async def _run(
        self, child: Child, body: bytes, content_type: str | None, url: str | None
    ) -> dict[str, Any]:
        try:
            return await child.extract(body, content_type, url, self.budget)
        except TimeoutError:
            await child.kill()
            raise LimitExceeded(
                "wall_seconds", f"not done after {self.budget.wall_seconds:g} s"
            ) from None
        except (asyncio.IncompleteReadError, ConnectionError):
            code = await child.process.wait()
            raise self._death(code) from None

    def _death(self, code: int) -> ExtractionError:
        if code == -signal.SIGXCPU:
            return LimitExceeded("cpu_seconds", f"more than {self.budget.cpu_seconds:g} s of CPU")
        name = signal.Signals(-code).name if code < 0 else f"exit code {code}"
        log.warning("extraction process died", code=code)
        return ExtractionError(
            f"the document could not be read (the extraction process died: {name})"
        )

    @contextlib.asynccontextmanager
    async def _child(self) -> AsyncIterator[Child]:
        async with self._slots:
            child = await self._take()
            self._busy.add(child)
            try:
                yield child
            except BaseException:
                if child.alive:  # cancelled mid-document, or its answer was refused
                    await asyncio.shield(child.kill())
                raise
            finally:
                self._busy.discard(child)
            if child.retiring:
                await child.process.wait()
            elif child.alive:
                self._idle.append(child)

    async def _take(self) -> Child:
        while self._idle:
            child = self._idle.pop()
            if child.alive:
                return child
            await child.process.wait()
        return await Child.start(self.budget)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        await asyncio.gather(*(child.close() for child in idle))
