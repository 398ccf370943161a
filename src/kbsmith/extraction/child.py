"""The extraction child process: `python -m kbsmith.extraction.child MEMORY_BYTES`.

Reads requests on stdin, answers on stdout (see `protocol.py`), one document at a time, for
as long as its worker keeps it. Its hard limits are set here, in the child: address space
(RLIMIT_AS: the idle child's plus MEMORY_BYTES) and, per document, CPU time (RLIMIT_CPU:
the kernel sends SIGXCPU, whose default action ends the process). A document that ran out
of memory ends the child too (its heap is no longer to be trusted), and so does one that
left it much larger than idle, so that memory goes back to the system.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import sys
from typing import IO, Any

from kbsmith import lifeline
from kbsmith.extraction import protocol
from kbsmith.extraction.dispatch import extract
from kbsmith.extraction.result import ExtractionError, LimitExceeded

_RECYCLE_GROWTH_BYTES = 128 * 1024 * 1024
"""A child this much larger than when idle ends after answering (a new one replaces it)."""
_WARM_UP = (
    b"<html><head><title>Warm up</title></head><body><article><h1>Warm up</h1>"
    b"<p>This page loads the extraction code before the memory limit is set.</p>"
    b"<p>Its second paragraph is long enough to count as content of the page.</p>"
    b"</article></body></html>"
)


def main() -> None:
    lifeline.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the worker, which ends us
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU would otherwise dump core
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a library's print must not corrupt the answers
    requests = sys.stdin.buffer
    extract(_WARM_UP, "text/html", None)
    idle = _memory_bytes("VmRSS")
    memory_budget = int(sys.argv[1])
    if size := _memory_bytes("VmSize"):  # Linux; elsewhere RLIMIT_AS is not enforced anyway
        resource.setrlimit(resource.RLIMIT_AS, (size + memory_budget,) * 2)
    _send(answers, {"ready": os.getpid()})
    while (header := protocol.read_frame(requests)) is not None:
        body = protocol.read_frame(requests) or b""
        answer, broken = _answer(header, body, memory_budget)
        retiring = broken or _memory_bytes("VmRSS") > idle + _RECYCLE_GROWTH_BYTES
        _send(answers, {**answer, "retiring": retiring})
        if retiring:
            return


def _answer(header_bytes: bytes, body: bytes, memory_budget: int) -> tuple[dict[str, Any], bool]:
    """The answer to one request, and whether this process must end after sending it."""
    header = json.loads(header_bytes)
    _allow_cpu(float(header["cpuSeconds"]))
    try:
        extracted = extract(body, header.get("contentType"), header.get("url"))
    except LimitExceeded as error:
        return protocol.failure_of(error), False
    except Exception as error:
        # a parser that failed to allocate often says so as its own error (python-docx: "the
        # DOCX file could not be read"): the peak beside the limit tells
        if isinstance(error, MemoryError) or _near_memory_limit():
            return protocol.failure_of(_out_of_memory(memory_budget)), True
        if not isinstance(error, ExtractionError):
            error = ExtractionError(f"the document could not be read ({type(error).__name__})")
        return protocol.failure_of(error), False
    return protocol.answer_of(extracted), False


def _allow_cpu(seconds: float) -> None:
    """RLIMIT_CPU counts the whole life of the process: allow *seconds* more from now."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (math.ceil(used + seconds), hard))


def _out_of_memory(budget: int) -> LimitExceeded:
    return LimitExceeded("memory_bytes", f"needed more than {budget // 2**20} MiB")


def _near_memory_limit() -> bool:
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    return _memory_bytes("VmPeak") > limit - 32 * 1024 * 1024


def _memory_bytes(field: str) -> int:
    """A size from /proc/self/status (0 where there is none)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _send(answers: IO[bytes], value: dict[str, Any]) -> None:
    answers.write(protocol.frame_json(value))
    answers.flush()


if __name__ == "__main__":
    main()
