"""One configuration file (docs/configuration.md): TOML named by --config or CHILE_ID_OCR_CONFIG, the environment
over it, the flags over both; serve --print-config shows the settings in force with secrets masked; a configuration
that cannot be used is one line and exit status 2. Through the real command, in fresh processes."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from chile_id_ocr.api.config import reference
from chile_id_ocr.api.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "configuration.md"
MASTER_KEY = "m" * 40
DB_PASSWORD = "Db-Pa55word-never-shown"


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHILE_ID_OCR_") and k != "DATABASE_URL"}
    clean["CHILE_ID_OCR_DATA_DIR"] = str(tmp_path / "data")
    command = [sys.executable, "-m", "chile_id_ocr.cli", "serve", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env={**clean, **env}, check=False)


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'port = 9001\nworkers = 3\nmaster_key = "{MASTER_KEY}"\n'
        f'database_url = "postgresql://ocr:{DB_PASSWORD}@db:5432/ocr"\nurl_allowlist = "10.0.0.0/8"\n'
    )
    return path


def test_the_configuration_page_is_generated_from_the_settings() -> None:
    text = reference(Settings)
    if os.environ.get("CHILE_ID_OCR_WRITE_DOCS"):
        DOCS.write_text(text)
    for name in Settings.model_fields:
        assert f"| `{name}` |" in text
    assert DOCS.read_text() == text, "docs/configuration.md is out of date: run this with CHILE_ID_OCR_WRITE_DOCS=1"


def test_the_file_is_read_the_environment_overrides_it_and_secrets_are_masked(tmp_path: Path, config: Path) -> None:
    proc = _serve(tmp_path, "--config", str(config), "--print-config", CHILE_ID_OCR_WORKERS="5")
    assert proc.returncode == 0, proc.stderr
    shown = tomllib.loads(proc.stdout)  # the output is itself a configuration file
    assert shown["port"] == 9001 and shown["url_allowlist"] == "10.0.0.0/8"  # from the file
    assert shown["workers"] == 5  # the environment over the file
    assert shown["master_key"] == "***"
    assert shown["database_url"] == "postgresql://ocr:***@db:5432/ocr"
    assert MASTER_KEY not in proc.stdout and DB_PASSWORD not in proc.stdout
    assert f"configuration file: {config}" in proc.stdout
    assert "# queue_limit: not set" in proc.stdout and "# requests admitted at once: 12" in proc.stdout


def test_the_environment_variable_names_the_file_and_flags_override_both(tmp_path: Path, config: Path) -> None:
    proc = _serve(tmp_path, "--port", "9100", "--print-config", CHILE_ID_OCR_CONFIG=str(config), CHILE_ID_OCR_PORT="1")
    assert proc.returncode == 0, proc.stderr
    shown = tomllib.loads(proc.stdout)
    assert shown["port"] == 9100 and shown["workers"] == 3


def test_without_a_file_the_defaults_hold(tmp_path: Path) -> None:
    shown = tomllib.loads(_serve(tmp_path, "--print-config").stdout)
    assert shown["port"] == 8000 and shown["host"] == "127.0.0.1" and "database_url" not in shown
    assert shown["data_dir"] == str(tmp_path / "data")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file"),
        ("port = \n", "not valid TOML"),
        ("prot = 8080\n", "unknown setting prot"),
        ('port = "eighty-eighty"\n', "port: Input should be a valid integer"),
        ("workers = 0\n", "workers: Input should be greater than or equal to 1"),
    ],
)
def test_a_configuration_that_cannot_be_used_is_one_line_and_status_2(
    tmp_path: Path, content: str | None, says: str
) -> None:
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content)
    proc = _serve(tmp_path, "--config", str(path), "--print-config")
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith("chile-id-ocr serve: ")
    assert says in proc.stderr
    assert "eighty-eighty" not in proc.stderr  # a value is never echoed (it may be a secret)


def test_an_invalid_environment_value_is_one_line_without_the_value(tmp_path: Path) -> None:
    proc = _serve(tmp_path, "--print-config", CHILE_ID_OCR_MASTER_KEY=MASTER_KEY, CHILE_ID_OCR_BODY_TIMEOUT="secret")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
    assert "body_timeout" in proc.stderr and "secret" not in proc.stderr.replace("settings", "")
