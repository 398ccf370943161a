"""The data directory and the files kbsmith creates in it are the owner's only (0700, 0600),
whatever the umask of the process."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kbsmith import instance
from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.settings import Settings


@pytest.fixture
def lax_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("lax_umask")
async def test_a_new_data_directory_and_its_files_are_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key=None, database_url=None)
    db = Database(settings.resolved_database_url)
    try:
        await migrate.upgrade(db)
        async with db.write() as session:
            await session.connection()  # the write-ahead log and shared memory files
        assert settings.resolved_secret_key
        with instance.serving_marker(settings, "http://127.0.0.1:1"):
            served = instance.servers_dir(settings)
            assert mode(served) == 0o700
    finally:
        await db.dispose()
    data = settings.data_dir
    assert mode(data) == 0o700
    files = sorted(p.name for p in data.iterdir() if p.is_file())
    assert {"kbsmith.db", "secret.key"} <= set(files)
    assert {name: mode(data / name) for name in files} == dict.fromkeys(files, 0o600)
