"""Alembic environment: migrations run on a connection that kbsmith hands over."""

from alembic import context
from sqlalchemy import create_engine

from kbsmith.db.models import Base

config = context.config
connection = config.attributes.get("connection")


def run() -> None:
    if connection is not None:
        _migrate(connection)
        return
    # Only for `alembic revision --autogenerate` during development.
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as new_connection:
        _migrate(new_connection)


def _migrate(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
