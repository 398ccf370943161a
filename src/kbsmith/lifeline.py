"""A child process that must not outlive the process that started it (the worker processes
of `kbsmith serve`, the extraction children of a worker), however that parent ends: SIGKILL
runs no code in the parent, so the child itself has to notice."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PARENT_PID_VARIABLE = "KBSMITH_PARENT_PID"
"""Set by a parent in its child's environment: the process the child must not outlive."""
_PR_SET_PDEATHSIG = 1


def child_environment(env: dict[str, str]) -> dict[str, str]:
    """*env* naming this process as the parent its child must not outlive."""
    return {**env, PARENT_PID_VARIABLE: str(os.getpid())}


def die_with_parent() -> None:
    """Have Linux SIGKILL this process when its parent dies; end now if it already has
    (the parent may die before the request is made: its children are then re-parented)."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if not parent_alive():
        os._exit(1)


def parent_alive() -> bool:
    """Whether the parent named in our environment is still our parent (True when none is
    named: a process started by hand has no parent to follow)."""
    expected = os.environ.get(PARENT_PID_VARIABLE, "")
    return not expected.isdigit() or os.getppid() == int(expected)
