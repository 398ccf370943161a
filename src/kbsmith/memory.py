"""Giving freed memory back to the system.

glibc keeps the heap pages that freed small objects leave behind: after a worker loads a
workspace of 100,000 articles (rows, ids, features read in chunks and let go) its resident
size stayed ~100 MiB above what it still uses. ``malloc_trim`` returns them; elsewhere
(another libc, another system) this does nothing.

glibc also raises its threshold for giving a large block its own pages (``mmap``, returned
when freed) to the size of each such block freed, up to 32 MiB, and keeps up to twice that
of freed heap: the large temporaries of loading the embedder and of building a workspace's
postings then stayed resident after use, and their sum made the worker's peak. A fixed
threshold (`return_large_blocks`) ends that: the worker's peak at 100,000 articles fell by
~20 MiB and its size with the embedder loaded by ~55 MiB (docs/design.md, Large workspaces).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable

M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter (malloc.h)."""
LARGE_BLOCK = 128 * 1024
"""glibc's initial threshold: a block this large or larger gets its own pages. (With ONNX
Runtime's arena off, each of the embedder's tensors then got pages of its own, ~20% more
embedding CPU: the arena is on, shrunk after each run, `embeddings.run_options`.)"""


@functools.cache
def _libc_function(function: str) -> Callable[..., int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        found: Callable[..., int] = getattr(ctypes.CDLL(name), function)
    except (OSError, AttributeError):
        return None
    return found


def _trim() -> Callable[[int], int] | None:
    return _libc_function("malloc_trim")


def return_large_blocks() -> bool:
    """Large blocks get their own pages, given back when freed, whatever was freed before
    (see the module's docstring); answers whether the C library took it."""
    mallopt = _libc_function("mallopt")
    return mallopt is not None and mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK) == 1


def release_freed_memory() -> None:
    trim = _trim()
    if trim is not None:
        trim(0)
