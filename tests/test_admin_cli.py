"""``chile-id-ocr admin`` through the real command on a real SQLite database: users listed, disabled, enabled,
deleted, passwords reset, projects deleted, keys rotated; every error one line on stderr and exit status 2, never a
traceback or a secret (docs/admin.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chile_id_ocr.api.auth import Authenticator, TokenCodec
from chile_id_ocr.api.errors import ApiError
from chile_id_ocr.api.settings import Settings
from chile_id_ocr.store.repo import Store


class Admin:
    """The admin command on one data directory (SQLite and master.key in it)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHILE_ID_OCR_") and k != "DATABASE_URL"}
        self.env = {**env, "CHILE_ID_OCR_DATA_DIR": str(data_dir)}

    def run(self, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "chile_id_ocr.cli", "admin", *args]
        return subprocess.run(
            command, capture_output=True, text=True, input=stdin, env={**self.env, **env}, timeout=120, check=False
        )

    def __call__(self, *args: str, stdin: str | None = None) -> Any:
        proc = self.run(*args, stdin=stdin)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def store(self) -> Store:
        return Settings(data_dir=self.data_dir).open_store()


@pytest.fixture()
def admin(tmp_path: Path) -> Admin:
    return Admin(tmp_path / "data")


def _one_line_error(proc: subprocess.CompletedProcess[str], *secrets: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("chile-id-ocr admin: "), proc.stderr
    for secret in ("Traceback", "$argon2", "INSERT", "UPDATE", *secrets):
        assert secret not in proc.stderr
    return lines[0]


def test_creating_an_existing_user_is_one_line_without_the_hash(admin: Admin) -> None:
    admin("create-user", "ana", "--password", "first-password")
    proc = admin.run("create-user", "ana", "--password", "second-password")
    assert _one_line_error(proc, "first-password", "second-password") == (
        "chile-id-ocr admin: a user named ana already exists in domain default"
    )
    admin("create-project", "p1")
    assert "a project named p1 already exists" in _one_line_error(admin.run("create-project", "p1"))


@pytest.mark.parametrize(
    "args",
    [
        ("delete-user", "nobody"),
        ("disable-user", "nobody"),
        ("enable-user", "nobody", "--domain", "other"),
        ("reset-password", "nobody", "--password", "never-shown"),
        ("create-key", "nobody"),
        ("rotate-key", "NOSUCHKEY"),
        ("revoke-key", "NOSUCHKEY"),
        ("delete-project", "0" * 32),
        ("enable", "0" * 32),
    ],
)
def test_what_does_not_exist_is_one_line_and_status_2(admin: Admin, args: tuple[str, ...]) -> None:
    line = _one_line_error(admin.run(*args), "never-shown")
    assert "no " in line


def test_an_unusable_configuration_or_database_is_one_line_and_status_2(admin: Admin, tmp_path: Path) -> None:
    assert "no such file" in _one_line_error(admin.run("--config", str(tmp_path / "none.toml"), "users"))
    assert "at least 32 bytes" in _one_line_error(admin.run("users", CHILE_ID_OCR_MASTER_KEY="short"))
    url = "postgresql://ocr:Pg-Secret-Pw@127.0.0.1:9/ocr"  # nothing listens on port 9
    assert "the database cannot be used" in _one_line_error(admin.run("users", DATABASE_URL=url), "Pg-Secret-Pw")
    assert "invalid setting" in _one_line_error(admin.run("users", CHILE_ID_OCR_TOKEN_TTL_SECONDS="x"))


def test_users_are_listed_disabled_enabled_reset_and_deleted(admin: Admin) -> None:
    boot = admin("bootstrap", "--json")
    admin("create-user", "ana", "--password", "ana-password-1")
    assert [(u["name"], u["disabled"]) for u in admin("users")] == [("admin", False), ("ana", False)]
    assert all("password" not in u for u in admin("users"))
    key = admin("create-key", "ana")

    assert admin("disable-user", "ana")["disabled"] is True
    store = admin.store()
    assert store.authenticate("ana", "default", "ana-password-1") is None  # right password, disabled user
    found = store.get_access_key(key["ak"])
    assert found is not None and found.revoked  # its keys stop working
    assert {k["ak"]: k["active"] for k in admin("keys")}[key["ak"]] is False
    assert admin("enable-user", "ana")["disabled"] is False
    assert store.authenticate("ana", "default", "ana-password-1") is not None

    reset = admin("reset-password", "ana", "--password-stdin", stdin="ana-password-2\n")
    assert reset["password"] == "ana-password-2"
    assert store.authenticate("ana", "default", "ana-password-1") is None
    assert store.authenticate("ana", "default", "ana-password-2") is not None
    generated = admin("reset-password", "ana")["password"]
    assert len(generated) >= 16 and store.authenticate("ana", "default", generated) is not None
    assert "no password" in _one_line_error(admin.run("reset-password", "ana", "--password-stdin", stdin=""))

    assert admin("delete-user", "ana")["deleted"] is True
    assert [u["name"] for u in admin("users")] == ["admin"]
    assert store.get_access_key(key["ak"]) is None  # its keys went with it
    assert [k["ak"] for k in admin("keys")] == [boot["ak"]]
    store.engine.dispose()


def test_a_rotated_key_replaces_the_old_one(admin: Admin) -> None:
    boot = admin("bootstrap", "--json")
    rotated = admin("rotate-key", boot["ak"])
    assert rotated["revoked"] == boot["ak"] and rotated["ak"] != boot["ak"] and rotated["sk"]
    store = admin.store()
    old, new = store.get_access_key(boot["ak"]), store.get_access_key(rotated["ak"])
    assert old is not None and old.revoked
    assert new is not None and not new.revoked and new.secret_key == rotated["sk"] and new.user.name == "admin"
    assert "no active access key" in _one_line_error(admin.run("rotate-key", boot["ak"]))
    store.engine.dispose()


def test_a_deleted_project_takes_its_usage_with_it(admin: Admin) -> None:
    project = admin("create-project", "gone")
    store = admin.store()
    store.add_usage(project["id"], "OK", 120)
    assert admin("usage", project["id"])[0]["calls"] == 1
    assert admin("delete-project", project["id"])["deleted"] is True
    assert store.get_project(project["id"]) is None
    assert admin("usage", project["id"])[0]["calls"] == 0
    store.engine.dispose()


def test_a_disabled_or_deleted_users_token_stops_working(admin: Admin) -> None:
    boot = admin("bootstrap", "--json")
    admin("create-user", "ana", "--password", "ana-password-1")
    store = admin.store()
    auth = Authenticator(store, TokenCodec(store.master_key.token_key(), 3600), 900)
    ana = store.authenticate("ana", "default", "ana-password-1")
    assert ana is not None
    now = datetime.now(UTC)
    token, _claims = auth.tokens.issue(ana, boot["project_id"], now)
    assert auth.by_token(token, boot["project_id"], now).user_id == ana.id
    admin("disable-user", "ana")
    with pytest.raises(ApiError) as refused:
        auth.by_token(token, boot["project_id"], now)
    assert refused.value.code == "ModelArts.0203"
    admin("enable-user", "ana")
    assert auth.by_token(token, boot["project_id"], now).user_id == ana.id
    admin("delete-user", "ana")
    with pytest.raises(ApiError):
        auth.by_token(token, boot["project_id"], now)
    store.engine.dispose()
