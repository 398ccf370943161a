"""Starting real kbsmith worker processes for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def worker_environment(database_url: str, **settings: object) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["KBSMITH_DATABASE_URL"] = database_url
    env["KBSMITH_LOG_LEVEL"] = "WARNING"
    for name, value in settings.items():
        env[f"KBSMITH_{name.upper()}"] = str(value)
    return env


def start_worker(env: dict[str, str], concurrency: int, log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.worker_main", "--concurrency", str(concurrency)],
        env=env,
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 15) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@contextmanager
def workers(
    env: dict[str, str], count: int, concurrency: int, log_dir: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    started = [start_worker(env, concurrency, log_dir / f"worker-{i}.log") for i in range(count)]
    try:
        yield started
    finally:
        for process in started:
            stop(process)


def run_kbsmith(
    tmp_path: Path, *args: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`kbsmith ARGS` on the embedded default in ``tmp_path``, allowed to fetch from 127.0.0.1."""
    env = dict(
        os.environ,
        KBSMITH_DATA_DIR=str(tmp_path / "data"),
        KBSMITH_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
        KBSMITH_LOG_LEVEL="WARNING",
    )
    env.pop("KBSMITH_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "kbsmith", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO_ROOT,
    )
