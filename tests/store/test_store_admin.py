"""The store's administration on SQLite and on a real PostgreSQL: names taken are a Conflict (never the database's
error, whose text quotes the password hash), deletes take what hangs on them, a disabled user's keys stop."""

from __future__ import annotations

import pytest

from chile_id_ocr.store.repo import Conflict, NotFound, Store


def test_a_taken_name_is_a_conflict_that_names_it(store: Store) -> None:
    store.create_user("ana", "d", "pw-1")
    with pytest.raises(Conflict, match="a user named ana already exists in domain d") as taken:
        store.create_user("ana", "d", "pw-2")
    assert "argon2" not in str(taken.value)
    assert store.create_user("ana", "other", "pw-3").domain == "other"  # names are per domain
    store.create_project("p", "d")
    with pytest.raises(Conflict, match="a project named p already exists in domain d"):
        store.create_project("p", "d")


def test_deleting_a_project_deletes_its_usage(store: Store) -> None:
    project = store.create_project("p", "d")
    store.add_usage(project.id, "OK", 10)
    store.add_usage(project.id, "AIS.0104", 20)
    assert store.delete_project(project.id) == project
    assert store.get_project(project.id) is None and store.usage(project.id).calls == 0
    with pytest.raises(NotFound):
        store.delete_project(project.id)


def test_deleting_a_user_deletes_its_keys_and_disabling_stops_them(store: Store) -> None:
    user = store.create_user("ana", "d", "pw")
    ak, _sk = store.create_access_key("ana", "d")
    assert store.set_user_disabled("ana", "d", True).disabled
    key = store.get_access_key(ak)
    assert key is not None and key.revoked and not store.user_active(user.id)
    assert store.authenticate("ana", "d", "pw") is None
    assert not store.set_user_disabled("ana", "d", False).disabled
    key = store.get_access_key(ak)
    assert key is not None and not key.revoked and store.user_active(user.id)
    store.delete_user("ana", "d")
    assert store.get_access_key(ak) is None and not store.user_active(user.id) and store.list_users() == []


def test_rotating_a_key_revokes_it_and_gives_its_user_a_new_one(store: Store) -> None:
    store.create_user("ana", "d", "pw")
    ak, _sk = store.create_access_key("ana", "d")
    new_ak, new_sk = store.rotate_access_key(ak)
    old, new = store.get_access_key(ak), store.get_access_key(new_ak)
    assert old is not None and old.revoked
    assert new is not None and not new.revoked and new.secret_key == new_sk and new.user.name == "ana"
    with pytest.raises(NotFound):
        store.rotate_access_key(ak)
