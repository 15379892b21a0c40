"""The configuration file, the effective settings and their documentation.

One TOML file, named by ``--config PATH`` (``serve``, ``admin``) or ``$CHILE_ID_OCR_CONFIG``, holds any of the
settings by name (``port = 8080``); environment variables override it, command-line flags override both. A file
that is missing, is not TOML or names an unknown setting is refused in one line (``ConfigError``), never ignored.
``effective()`` writes the settings in force as that TOML (``serve --print-config``), secrets masked;
``reference()`` writes docs/configuration.md from the settings' own docstrings.

>>> toml_value(["a", 1, True]), toml_value(2.5), toml_value('say "hi"')
('["a", 1, true]', '2.5', '"say \\\\"hi\\\\""')
>>> mask_url("postgresql://ocr:s3cret@db:5432/ocr")
'postgresql://ocr:***@db:5432/ocr'
>>> mask_url("sqlite:////var/lib/chile-id-ocr/chile-id-ocr.db")
'sqlite:////var/lib/chile-id-ocr/chile-id-ocr.db'
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, TomlConfigSettingsSource

CONFIG_ENV = "CHILE_ID_OCR_CONFIG"
MASK = "***"


class ConfigError(ValueError):
    """A configuration that cannot be used, said in one line (the CLI prints it and exits with status 2)."""


def config_path() -> Path | None:
    """The configuration file ``$CHILE_ID_OCR_CONFIG`` names (``--config`` sets it for the process), if any."""
    value = os.environ.get(CONFIG_ENV, "").strip()
    return Path(value) if value else None


def use_config(path: str | None) -> None:
    """``--config PATH``: the file every ``Settings()`` of this process (and of its workers) reads."""
    if path is not None:
        os.environ[CONFIG_ENV] = str(Path(path).resolve())


def setting_keys(settings_cls: type[BaseSettings]) -> set[str]:
    """The names a setting may have in the file: the field's name and its aliases, lower-cased."""
    keys = set()
    for name, field in settings_cls.model_fields.items():
        keys.add(name.lower())
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            keys.update(str(choice).lower() for choice in alias.choices)
        elif isinstance(alias, str):
            keys.add(alias.lower())
    return keys


class ConfigFile(TomlConfigSettingsSource):
    """pydantic-settings' TOML source, refusing a missing file, a file that is not TOML and unknown settings."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        if not path.is_file():
            raise ConfigError(f"configuration file {path}: no such file")
        try:
            super().__init__(settings_cls, toml_file=path)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"configuration file {path}: not valid TOML: {exc}") from None
        unknown = sorted(key for key in self.toml_data if key.lower() not in setting_keys(settings_cls))
        if unknown:
            raise ConfigError(
                f"configuration file {path}: unknown setting {', '.join(unknown)} (docs/configuration.md lists them)"
            )


def describe(exc: ValidationError) -> str:
    """A settings validation error in one line, values never echoed (a value may be a secret)."""
    problems = [f"{'.'.join(str(p) for p in error['loc']) or 'settings'}: {error['msg']}" for error in exc.errors()]
    where = f" (environment, {config_path()} or flags)" if config_path() else " (environment or flags)"
    return f"invalid setting{where}: " + "; ".join(problems)


SETTINGS_ERRORS = (ConfigError, ValidationError)


def failure(exc: Exception) -> str:
    """One line for a configuration that cannot be used (one of ``SETTINGS_ERRORS``)."""
    return describe(exc) if isinstance(exc, ValidationError) else str(exc)


def toml_value(value: Any) -> str:
    """``value`` written as TOML (JSON's string escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)


def mask_url(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***``."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}"))


def _shown(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    return value


def effective(settings: BaseSettings, derived: dict[str, Any] | None = None) -> str:
    """The settings in force as a TOML file (unset ones as comments), secrets masked; ``derived`` as comments."""
    source = config_path()
    lines = [f"# chile-id-ocr settings in force (configuration file: {source or 'none'}); secrets masked"]
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        lines.append(f"# {name}: not set" if value is None else f"{name} = {toml_value(_shown(value))}")
    for name, value in (derived or {}).items():
        lines.append(f"# {name}: {_shown(value)}")
    return "\n".join(lines) + "\n"


def env_name(name: str, field: FieldInfo, prefix: str) -> str:
    """The environment variable of a setting: its alias when it has one (``DATABASE_URL``), else PREFIX + NAME."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    return (prefix + name).upper()


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "computed (see meaning)"
    if field.default is None:
        return "not set"
    value = field.default.get_secret_value() if isinstance(field.default, SecretStr) else field.default
    return f"`{toml_value(value)}`"


REFERENCE_HEAD = """# Configuration

<!-- Generated from chile_id_ocr.api.settings.Settings by chile_id_ocr.api.config.reference(); do not edit.
     tests/api/test_config.py fails when this page is out of date: run it with CHILE_ID_OCR_WRITE_DOCS=1. -->

The service (`chile-id-ocr serve`) and the admin commands (`chile-id-ocr admin`) read their settings from, in
order of precedence:

1. command-line flags (`serve --host/--port/--workers`);
2. environment variables (the table's second column);
3. one configuration file in TOML, named by `--config PATH` or by the environment variable `CHILE_ID_OCR_CONFIG`,
   whose keys are the settings' names (the first column);
4. the defaults.

```toml
# /etc/chile-id-ocr/config.toml
host = "0.0.0.0"
port = 8000
workers = 4
database_url = "postgresql://ocr:PASSWORD@db:5432/ocr"
access_log = true
```

```sh
chile-id-ocr serve --config /etc/chile-id-ocr/config.toml
CHILE_ID_OCR_CONFIG=/etc/chile-id-ocr/config.toml CHILE_ID_OCR_PORT=9000 chile-id-ocr serve   # port 9000
chile-id-ocr serve --config /etc/chile-id-ocr/config.toml --print-config   # the settings in force, then exit
```

A file that does not exist, is not TOML or names a setting that does not exist is refused with one line naming
the problem (exit status 2), as is a value that is not valid (`port = "eighty"`); the value itself is never
printed. `serve --print-config` prints the settings in force as a TOML file (unset ones as comments, with the
values computed from them), secrets masked: the master key and the password of a database URL show as `***`.
Keep secrets (`master_key`, the database password) out of the file where you can: in the environment, or in
files only the service's user can read.

The engine itself (`recognize()`, `chile-id-ocr recognize`, `batch`) reads these environment variables only:
`CHILE_ID_OCR_THREADS` (ONNX Runtime intra-op threads per process, default 1), `CHILE_ID_OCR_INT8_DETECTOR`
(`fit`: the text detector quantized to int8 where a card candidate is fitted, about 145 ms less per card but
a little less accurate on hard fronts; `1`: everywhere, faster still, less accurate on hard backs; default `0`:
nowhere; BENCHMARKS.md),
`CHILE_ID_OCR_CARD_READER` (`0`: read without the card reader, to compare), the decoding limits
`CHILE_ID_OCR_MAX_PIXELS` and `CHILE_ID_OCR_MAX_DECODE_MB` (docs/limits.md)
and, for the synthetic card generator, `CHILE_ID_OCR_TEMPLATE` (the specimen image used as the card's
background, default `../shared/real/specimen_front.jpg`).

## Settings
"""


def reference(settings_cls: type[BaseSettings]) -> str:
    """docs/configuration.md: the precedence, the file's form and one row per setting, from its docstring."""
    prefix = str(settings_cls.model_config.get("env_prefix") or "")
    undocumented = [name for name, field in settings_cls.model_fields.items() if not field.description]
    if undocumented:
        raise ConfigError(f"settings without a docstring (its meaning in the docs): {', '.join(undocumented)}")
    rows = ["| setting (file) | environment variable | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in settings_cls.model_fields.items():
        meaning = " ".join((field.description or "").split()).replace("|", "\\|")
        rows.append(f"| `{name}` | `{env_name(name, field, prefix)}` | {_default(field)} | {meaning} |")
    return REFERENCE_HEAD + "\n" + "\n".join(rows) + "\n"
