"""A real worker process running the test job kinds: `python -m tests.support.worker_main`."""

from __future__ import annotations

import argparse
import asyncio
import signal

from kbsmith.db.database import Database
from kbsmith.jobs.worker import Worker, WorkerConfig
from kbsmith.logging import configure_logging
from kbsmith.settings import Settings
from tests.support.sample_jobs import sample_registry


async def main(concurrency: int) -> None:
    settings = Settings()
    configure_logging(settings.log_level, "json")
    db = Database(settings.resolved_database_url)
    worker = Worker(db, sample_registry(), WorkerConfig.from_settings(settings, concurrency))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    try:
        await worker.run()
    finally:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=4)
    asyncio.run(main(parser.parse_args().concurrency))
