"""The database: an engine for ``DATABASE_URL`` (SQLite or PostgreSQL) and the Alembic upgrade to the latest schema."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

_MIGRATION_LOCK = 7_414_220_001  # pg_advisory_xact_lock key: one instance migrates at a time


def normalize_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` use psycopg 3, the driver the package depends on.

    >>> normalize_url("postgres://u@h/db"), normalize_url("sqlite:///x.db")
    ('postgresql+psycopg://u@h/db', 'sqlite:///x.db')
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine; SQLite files get their directory, WAL journaling and a busy timeout."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        private_file(Path(parsed.database))
    # A connection per session (NullPool): a pooled SQLite connection can keep a read snapshot between sessions,
    # and then not see what another process (`chile-id-ocr admin`) committed since: a disabled user or a
    # revoked key would still work there. Opening a SQLite file costs little next to a recognition.
    in_memory = not parsed.database or parsed.database == ":memory:"  # one pooled connection is the database
    engine = create_engine(parsed) if in_memory else create_engine(parsed, poolclass=NullPool)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def private_file(path: Path) -> None:
    """Create the database file readable and writable by its owner only (0600), in a directory made 0700 when
    it is created here; an existing file is narrowed to 0600. SQLite gives its ``-wal`` and ``-shm`` files the
    database file's mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable on commit except across a power cut
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the latest revision (idempotent; safe with several instances on PostgreSQL)."""
    config = Config()
    config.set_main_option("script_location", "chile_id_ocr.store:migrations")
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
