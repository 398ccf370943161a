"""`kbsmith.memory.return_large_blocks`: a large block freed leaves nothing resident, whatever
was freed before it (glibc's dynamic threshold would keep it on the heap)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = """
import sys
from pathlib import Path
import numpy as np
from kbsmith.memory import return_large_blocks

def resident():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024

if sys.argv[1] == "fixed":
    assert return_large_blocks()
first = np.ones(8 << 20, dtype=np.uint8)  # freed: glibc's dynamic threshold rises to 8 MiB
del first
before = resident()
block = np.ones(4 << 20, dtype=np.uint8)
del block
print(resident() - before)
"""

MIB = 1 << 20


def left_resident(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc only")
@pytest.mark.parametrize(
    ("mode", "at_least", "at_most"),
    [
        ("dynamic", 3 * MIB, 5 * MIB),  # glibc's default: the 4 MiB block stays resident
        ("fixed", -MIB, MIB // 2),  # return_large_blocks: given back when freed
    ],
)
def test_a_freed_large_block_stays_resident_only_by_default(
    mode: str, at_least: int, at_most: int
) -> None:
    assert at_least <= left_resident(mode) <= at_most
