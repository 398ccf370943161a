"""The supervisor's rule for a worker process that exited: restart it, or leave it stopped."""

from __future__ import annotations

import signal

import pytest

from kbsmith.jobs.processes import told_to_stop


@pytest.mark.parametrize(
    ("exit_code", "stopped"),
    [
        (0, True),  # got SIGTERM/SIGINT once running: finished its jobs and exited
        (-signal.SIGTERM, True),  # got SIGTERM while still starting
        (-signal.SIGINT, True),  # Ctrl-C while still starting
        (1, False),  # crashed
        (-signal.SIGKILL, False),  # killed (the OOM killer, a person)
        (-signal.SIGSEGV, False),
        (2, False),
    ],
)
def test_a_worker_process_is_restarted_unless_it_was_told_to_stop(
    exit_code: int, stopped: bool
) -> None:
    assert told_to_stop(exit_code) is stopped
