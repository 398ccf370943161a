"""Running uvicorn for `kbsmith serve`, with the data directory marked as served meanwhile."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import AbstractContextManager, contextmanager

import uvicorn


class MarkedServer(uvicorn.Server):
    """A uvicorn server that holds ``marker`` while it serves.

    uvicorn re-raises the SIGTERM or SIGINT that stopped it once it has shut down (so the
    process dies of it, as a daemon should), which ends the process before any code after
    ``run()``: the marker is released inside uvicorn's signal handling, just before that.
    """

    def __init__(self, config: uvicorn.Config, marker: AbstractContextManager[None]) -> None:
        super().__init__(config)
        self._marker = marker

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        with super().capture_signals(), self._marker:
            yield
