"""`kbsmith worker` processes started and watched by `kbsmith serve`.

Ingestion (HTML extraction) and generation (embeddings, scoring) are CPU-bound Python: one
process runs them on one core however many jobs it holds. So on a machine with several cores
`serve` starts one worker process per core beside the API process, restarts one that dies,
and stops them all (letting their jobs finish) when it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Mapping

import structlog

from kbsmith import lifeline

log = structlog.get_logger(__name__)

RESTART_DELAY_SECONDS = 1.0
"""A process that keeps dying is restarted at most this often (a broken environment would
otherwise spin)."""
MAX_AUTO_PROCESSES = 4
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def told_to_stop(exit_code: int) -> bool:
    """Whether a worker process that exited with *exit_code* was told to stop (and so is not
    restarted). A worker that got SIGTERM or SIGINT once running exits 0 after its jobs; one
    that got it while still starting (before its handlers were installed) dies of the
    signal: it was told to stop just the same, and held no job."""
    return exit_code == 0 or -exit_code in STOP_SIGNALS


def auto_process_count() -> int:
    """One worker process per core, when there are several cores; else none (in-process)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, MAX_AUTO_PROCESSES) if cores > 1 else 0


class WorkerProcesses:
    def __init__(
        self, count: int, concurrency: int, env: Mapping[str, str], grace_seconds: float
    ) -> None:
        self.count = count
        self.command = [
            sys.executable,
            "-m",
            "kbsmith",
            "worker",
            "--concurrency",
            str(concurrency),
        ]
        self.env = lifeline.child_environment(dict(env))
        """Names this process as their parent: they end with it (see `lifeline`)."""
        self.grace_seconds = grace_seconds
        self.running: dict[int, asyncio.subprocess.Process] = {}
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Keep *count* processes running until ``stop``."""
        slots = [asyncio.create_task(self._keep(slot)) for slot in range(self.count)]
        try:
            await asyncio.gather(*slots)
        finally:
            for task in slots:
                task.cancel()

    async def stop(self) -> None:
        """SIGTERM every process (they finish their jobs within the grace period), then
        SIGKILL what is left."""
        self._stopping.set()
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(self.grace_seconds + 5):
                await asyncio.gather(*(p.wait() for p in self.running.values()))
        except TimeoutError:
            for process in self.running.values():  # read again: one may have started since
                with contextlib.suppress(ProcessLookupError):
                    process.kill()

    async def _keep(self, slot: int) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                process = await asyncio.create_subprocess_exec(*self.command, env=self.env)
            except OSError as error:
                log.error("could not start a worker process", slot=slot, error=str(error))
                await asyncio.sleep(RESTART_DELAY_SECONDS)
                continue
            self.running[slot] = process
            if self._stopping.is_set():  # stop() came while it was starting
                process.send_signal(signal.SIGTERM)
            log.info("worker process started", slot=slot, pid=process.pid)
            code = await process.wait()
            if self._stopping.is_set():
                return
            if told_to_stop(code):
                # Ctrl-C reaches the whole process group before `kbsmith serve` stops it.
                log.info("worker process stopped", slot=slot, code=code)
                return
            log.warning("worker process exited; starting another", slot=slot, code=code)
            await asyncio.sleep(max(0.0, RESTART_DELAY_SECONDS - (time.monotonic() - started)))
