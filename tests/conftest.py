"""Fixtures shared by every test: a real database per dialect, keys, an HTTP client."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from kbsmith.api.app import create_app
from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.db.models import Base
from kbsmith.settings import Settings
from kbsmith.workspaces import service as workspaces
from kbsmith.workspaces.service import Scope
from tests.generation.fake_llm import FakeLLM
from tests.support.effects import EFFECTS_TABLE, create_effects_table

POSTGRES_URL_VARIABLE = "KBSMITH_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VARIABLE = "KBSMITH_REQUIRE_POSTGRES"
TEST_SECRET = "test-secret-key-for-hashing-api-keys"


def _postgres_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'kbsmith.db'}"
        return
    url = _postgres_url()
    if url is None:
        if os.environ.get(REQUIRE_POSTGRES_VARIABLE) == "1":
            pytest.fail(f"PostgreSQL tests were required but {POSTGRES_URL_VARIABLE} is not set")
        pytest.skip(f"set {POSTGRES_URL_VARIABLE} to run the PostgreSQL variant")
    with own_postgres_database(url) as own:
        yield own


@contextmanager
def own_postgres_database(url: str) -> Iterator[str]:
    """A database of this test process's own (tests empty every table after each test, so
    parallel test processes must not share one), dropped at the end of the session."""
    base = make_url(url)
    name = f"{base.database}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def migrated_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await migrate.upgrade(db)
    async with db.write() as session:
        await create_effects_table(session)
    yield db
    await db.dispose()


@pytest.fixture
async def db(migrated_db: Database) -> AsyncIterator[Database]:
    yield migrated_db
    await _empty_all_tables(migrated_db)


async def _empty_all_tables(db: Database) -> None:
    async with db.write() as session:
        existing = set(await session.run_sync(lambda s: inspect(s.connection()).get_table_names()))
        await session.execute(text(f"DELETE FROM {EFFECTS_TABLE}"))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in existing:  # test_migrations checks that every model is migrated
                await session.execute(table.delete())


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        max_body_bytes=64 * 1024,
        # long enough that a CPU-starved heartbeat never loses a lease in a test about
        # something else (the tests of lost leases set their own)
        job_lease_seconds=10,
        job_poll_interval=0.05,
        job_backoff_base=0.01,
        job_backoff_max=0.05,
        job_shutdown_grace=5,
        rate_limit=0,  # tests poll the API freely; tests/ratelimits set their own
    )


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kbsmith.test") as http:
        yield http


class Keys:
    """Makes workspaces and keys through the service layer, as `kbsmith keys create` does."""

    def __init__(self, db: Database, secret: bytes) -> None:
        self.db = db
        self.secret = secret

    async def create(self, workspace: str, *scopes: Scope) -> str:
        async with self.db.write() as session:
            owner = await workspaces.get_or_create_workspace(session, workspace)
            created = await workspaces.create_key(
                session, owner, set(scopes or (Scope.READ, Scope.WRITE)), "test", self.secret
            )
        return created.secret

    async def headers(self, workspace: str | None = None, *scopes: Scope) -> dict[str, str]:
        secret = await self.create(workspace or f"ws-{uuid.uuid4().hex[:8]}", *scopes)
        return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def keys(db: Database, settings: Settings) -> Keys:
    return Keys(db, settings.resolved_secret_key)


@pytest.fixture
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parent.parent


# the fake OpenAI-compatible server, one per test module, scripted afresh for each test


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLLM]:
    server = FakeLLM()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def llm(llm_server: FakeLLM) -> Iterator[FakeLLM]:
    llm_server.reset()
    yield llm_server
    llm_server.reset()
