"""The store on SQLite and PostgreSQL: migrations, bootstrap, credentials, usage counters."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from chile_id_ocr.store.credentials import MasterKey
from chile_id_ocr.store.db import migrate
from chile_id_ocr.store.repo import NotFound, Store


def test_migrations_create_the_schema_and_are_idempotent(store: Store) -> None:
    migrate(store.engine)  # a second upgrade changes nothing
    tables = set(inspect(store.engine).get_table_names())
    assert {"projects", "users", "access_keys", "usage_counters", "alembic_version"} <= tables
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"


def test_upgrade_keeps_existing_data(store: Store) -> None:
    project = store.create_project("kept", "d")
    migrate(store.engine)
    assert store.get_project(project.id) == project


def test_bootstrap_is_idempotent_and_gives_secrets_once(store: Store) -> None:
    first = store.bootstrap("default", "admin", "default")
    second = store.bootstrap("default", "admin", "default")
    assert first["sk"] and first["password"]
    assert second == {**first, "sk": None, "password": None}
    assert len(store.list_projects()) == 1 and store.list_projects()[0].service_enabled


def test_passwords_are_hashed_and_checked(store: Store) -> None:
    store.create_user("ana", "d", "correct horse")
    assert store.authenticate("ana", "d", "correct horse") is not None
    assert store.authenticate("ana", "d", "wrong") is None
    assert store.authenticate("ana", "other-domain", "correct horse") is None
    with store.engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users")).scalar()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored


def test_secret_keys_are_derived_not_stored(store: Store, tmp_path: Path) -> None:
    store.create_user("bob", "d", "pw")
    ak, sk = store.create_access_key("bob", "d")
    key = store.get_access_key(ak)
    assert key is not None and key.secret_key == sk and not key.revoked
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM access_keys")).all()
    assert sk not in repr(rows)
    other_master = Store(store.engine, MasterKey(b"another master key of 32 bytes!!"))
    assert other_master.get_access_key(ak).secret_key != sk  # type: ignore[union-attr]
    store.revoke_access_key(ak)
    assert store.get_access_key(ak).revoked  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        store.revoke_access_key(ak)


def test_service_can_be_disabled_and_enabled(store: Store) -> None:
    project = store.create_project("p", "d")
    assert store.set_service(project.id, False).service_enabled is False
    assert store.get_project(project.id).service_enabled is False  # type: ignore[union-attr]
    assert store.set_service(project.id, True).service_enabled is True
    with pytest.raises(NotFound):
        store.set_service("0" * 32, True)


def test_usage_increments_are_atomic_across_threads(store: Store) -> None:
    project = store.create_project("busy", "d")

    def hammer() -> None:
        for i in range(20):
            store.add_usage(project.id, "OK" if i % 2 else "AIS.0104", 10)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    usage = store.usage(project.id)
    assert (usage.calls, usage.successes, usage.failures) == (80, 40, {"AIS.0104": 40})
    assert usage.recognition_seconds == pytest.approx(0.8)
