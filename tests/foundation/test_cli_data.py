"""The command line says which data it works on, warns when no server uses that data, keeps
Alembic quiet, and shows key ids whole (and takes their prefixes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from kbsmith import instance
from kbsmith.db.database import Database
from kbsmith.errors import InvalidInput, NotFound
from kbsmith.instance import SERVERS_DIR_NAME, storage_description
from kbsmith.settings import Settings
from kbsmith.workspaces import service as workspaces
from kbsmith.workspaces.models import ApiKey
from kbsmith.workspaces.service import Scope
from tests.support.cli import (
    cli_env,
    free_port,
    kbsmith,
    migrated_env,
    read_write_key,
    start_serve,
    wait_until_up,
)

pytestmark = pytest.mark.slow  # starts real kbsmith processes


NO_SERVER_WARNING = "warning: no kbsmith serve is running on"


def first_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.splitlines()[0]


def test_every_command_names_its_data_directory_as_an_absolute_path(tmp_path: Path) -> None:
    env = cli_env(tmp_path, "sqlite")
    env["KBSMITH_DATA_DIR"] = "relative/.kbsmith"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    migrated = kbsmith(env, "migrate", cwd=elsewhere)
    assert migrated.returncode == 0, migrated.stderr
    expected = f"kbsmith: using data directory {elsewhere / 'relative' / '.kbsmith'}"
    assert first_line(migrated) == expected
    listed = kbsmith(env, "keys", "list", "--workspace", "nobody", cwd=elsewhere)
    assert first_line(listed) == expected


def test_a_database_url_is_named_without_its_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://kbsmith:hunter2@db.internal:5432/kb"
    shown = storage_description(Settings(data_dir=tmp_path, database_url=url))
    assert "hunter2" not in shown
    assert shown == (
        f"database postgresql+psycopg://kbsmith:***@db.internal:5432/kb, "
        f"secret key in {tmp_path.resolve() / 'secret.key'}"
    )
    with_secret = Settings(data_dir=tmp_path, database_url=url, secret_key="s" * 40)
    assert (
        storage_description(with_secret)
        == "database postgresql+psycopg://kbsmith:***@db.internal:5432/kb"
    )


def test_alembic_logs_only_when_debugging(tmp_path: Path) -> None:
    quiet = kbsmith(cli_env(tmp_path / "quiet", "sqlite"), "migrate")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr.splitlines()[1:] == ["database schema is current"]

    debug_env = cli_env(tmp_path / "debug", "sqlite") | {"KBSMITH_LOG_LEVEL": "DEBUG"}
    debugging = kbsmith(debug_env, "migrate")
    assert debugging.returncode == 0, debugging.stderr
    assert '"logger": "alembic.runtime.migration"' in debugging.stderr
    assert "Running upgrade" in debugging.stderr


def dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(finished.stdout)


def test_keys_create_says_whether_a_server_runs_on_its_data(tmp_path: Path) -> None:
    served = cli_env(tmp_path / "served", "sqlite")
    other = cli_env(tmp_path / "other", "sqlite")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serve(served, port, "--workers", "0", "--worker-processes", "0")
    try:
        wait_until_up(base, server)
        created = kbsmith(served, "keys", "create", "--workspace", "acme", "--scope", "read")
        assert created.returncode == 0, created.stderr
        assert f"kbsmith serve (pid {server.pid}) at {base} uses this data" in created.stderr
        assert NO_SERVER_WARNING not in created.stderr
        assert_key_answers(base, created, 200)

        elsewhere = kbsmith(other, "keys", "create", "--workspace", "acme", "--scope", "read")
        assert elsewhere.returncode == 0, elsewhere.stderr
        data_dir = Path(other["KBSMITH_DATA_DIR"]).resolve()
        assert f"{NO_SERVER_WARNING} {data_dir};" in elsewhere.stderr
        assert_key_answers(base, elsewhere, 401)
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    markers = Path(served["KBSMITH_DATA_DIR"]) / SERVERS_DIR_NAME
    assert list(markers.iterdir()) == [], "kbsmith serve left its marker behind"

    (markers / f"{dead_pid()}.json").write_text(json.dumps({"pid": dead_pid(), "url": base}))
    after = kbsmith(served, "keys", "create", "--workspace", "acme", "--scope", "read")
    assert NO_SERVER_WARNING in after.stderr and list(markers.iterdir()) == []


def assert_key_answers(base: str, created: subprocess.CompletedProcess[str], status: int) -> None:
    secret = created.stdout.strip().splitlines()[-1]
    answer = httpx.get(f"{base}/v2/bots/public", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == status


@pytest.mark.usefixtures("db")
def test_keys_list_shows_whole_ids_that_revoke_takes_by_prefix(
    tmp_path: Path, database_url: str
) -> None:
    env = migrated_env(tmp_path, database_url)
    for _ in range(2):
        read_write_key(env)
    listed = kbsmith(env, "keys", "list", "--workspace", "acme", "--json")
    ids = [json.loads(line)["id"] for line in listed.stdout.splitlines()]

    table = kbsmith(env | {"COLUMNS": "80"}, "keys", "list", "--workspace", "acme")
    assert table.returncode == 0, table.stderr
    assert max(map(len, table.stdout.splitlines())) <= 80
    for key_id in ids:
        assert key_id in table.stdout

    revoked = kbsmith(env, "keys", "revoke", ids[0][:8])
    assert revoked.returncode == 0, revoked.stderr
    assert f"revoked key {ids[0]}" in revoked.stderr
    states = kbsmith(env, "keys", "list", "--workspace", "acme", "--json").stdout
    assert [json.loads(line)["state"] for line in states.splitlines()] == ["revoked", "active"]

    too_short = kbsmith(env, "keys", "revoke", ids[1][:7])
    assert too_short.returncode == 1 and "first 8 characters" in too_short.stderr


async def test_a_key_id_prefix_must_name_one_key(db: Database) -> None:
    first = uuid.UUID("aaaaaaaa-1111-4111-8111-111111111111")
    second = uuid.UUID("aaaaaaaa-2222-4222-8222-222222222222")
    async with db.write() as session:
        owner = await workspaces.get_or_create_workspace(session, "acme")
        for wanted in (first, second):
            created = await workspaces.create_key(session, owner, {Scope.READ}, "", b"secret")
            await session.execute(
                update(ApiKey).where(ApiKey.id == created.key.id).values(id=wanted)
            )
    async with db.read() as session:
        assert await workspaces.find_key_id(session, "aaaaaaaa-1") == first
        assert await workspaces.find_key_id(session, "AAAAAAAA2222") == second
        assert await workspaces.find_key_id(session, str(second)) == second
        with pytest.raises(InvalidInput, match="several key ids"):
            await workspaces.find_key_id(session, "aaaaaaaa")
        with pytest.raises(NotFound):
            await workspaces.find_key_id(session, "aaaaaaab")
        with pytest.raises(InvalidInput):
            await workspaces.find_key_id(session, "not-a-key-id")


def test_a_servers_metrics_folder_is_its_own(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    running = tmp_path / "data" / "metrics" / str(os.getppid())  # another server, alive
    gone = tmp_path / "data" / "metrics" / str(_a_finished_pid())
    for folder in (running, gone):
        folder.mkdir(parents=True)
        (folder / "counter_1.db").write_bytes(b"x")

    mine = instance.fresh_metrics_dir(settings)

    assert mine.name == str(os.getpid()) and not any(mine.iterdir())
    assert (running / "counter_1.db").exists()  # a second serve leaves the first's alone
    assert not gone.exists()


def _a_finished_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid
