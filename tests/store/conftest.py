"""Storage fixtures: every storage test runs on SQLite and on a real, throw-away PostgreSQL cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chile_id_ocr.store.credentials import MasterKey
from chile_id_ocr.store.db import make_engine, migrate
from chile_id_ocr.store.repo import Store
from service_support import Postgres, postgres_or_skip


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A cluster on 127.0.0.1 and a free port; FAILS under CI (``CI`` set) when it cannot start, else skips."""
    yield from postgres_or_skip()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres").create_database()


@pytest.fixture()
def store(database_url: str, tmp_path: Path) -> Store:
    """A migrated store on a fresh database of each kind."""
    engine = make_engine(database_url)
    migrate(engine)
    return Store(engine, MasterKey.load(None, tmp_path / "keys"))
