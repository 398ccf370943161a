"""Which data a kbsmith command works on, and whether a `kbsmith serve` runs on the same data.

The embedded default keeps its database and secret in a data directory (``./.kbsmith`` unless
``KBSMITH_DATA_DIR`` says otherwise), so a command run from another folder works on other
data. Every command therefore names what it uses, and `kbsmith serve` leaves a marker in the
data directory while it runs: ``servers/PID.json`` with the URL it listens on, removed when it
stops. A marker whose process is gone (a server that was killed) is ignored and removed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from kbsmith.settings import SECRET_FILE_NAME, Settings

SERVERS_DIR_NAME = "servers"


@dataclass(frozen=True)
class RunningServer:
    pid: int
    url: str


def storage_description(settings: Settings) -> str:
    """One line naming the data a command uses (a database URL's password hidden)."""
    data_dir = settings.data_dir.resolve()
    if settings.database_url is None:
        return f"data directory {data_dir}"
    url = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    if settings.secret_key:
        return f"database {url}"
    return f"database {url}, secret key in {data_dir / SECRET_FILE_NAME}"


def servers_dir(settings: Settings) -> Path:
    return settings.data_dir.resolve() / SERVERS_DIR_NAME


@contextmanager
def serving_marker(settings: Settings, url: str) -> Iterator[None]:
    """Marks the data directory as served by this process, at ``url``, while the block runs."""
    folder = servers_dir(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{os.getpid()}.json"
    path.write_text(json.dumps({"pid": os.getpid(), "url": url}))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def running_servers(settings: Settings) -> list[RunningServer]:
    """The `kbsmith serve` processes running on this data directory now."""
    found: list[RunningServer] = []
    folder = servers_dir(settings)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        server = _read_marker(path)
        if server is not None and _is_alive(server.pid):
            found.append(server)
        else:
            with suppress(OSError):
                path.unlink()
    return found


def _read_marker(path: Path) -> RunningServer | None:
    try:
        content = json.loads(path.read_text())
        return RunningServer(pid=int(content["pid"]), url=str(content["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def fresh_metrics_dir(settings: Settings) -> Path:
    """An empty folder for this server's metrics (``metrics/PID``), its own however many
    servers share the data directory; those of servers no longer running are removed."""
    root = settings.data_dir.resolve() / "metrics"
    for old in root.iterdir() if root.is_dir() else []:
        running = old.name.isdigit() and int(old.name) != os.getpid() and _is_alive(int(old.name))
        if running:
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:  # a file of the layout before per-server folders
            old.unlink(missing_ok=True)
    folder = root / str(os.getpid())
    folder.mkdir(parents=True)
    return folder


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, but another user's
    return True
