"""Database access: engines, sessions, dialect differences, migrations."""

from kbsmith.db.database import Database

__all__ = ["Database"]
