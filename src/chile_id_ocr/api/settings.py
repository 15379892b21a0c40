"""The service's configuration: one object, read from the environment (``CHILE_ID_OCR_*`` and ``DATABASE_URL``).

>>> s = Settings(data_dir="/tmp/x", workers=2)
>>> s.database(), s.admission_limit(), s.body_reader_limit()
('sqlite:////tmp/x/chile-id-ocr.db', 6, 24)
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from chile_id_ocr.store.credentials import MasterKey
from chile_id_ocr.store.db import make_engine, migrate
from chile_id_ocr.store.repo import Store

MB = 1024 * 1024
IMAGE_LIMIT = 10 * MB  # the contract's limit on the base64 of one image, and on a downloaded image


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chile-id-ocr"


class Settings(BaseSettings):
    """Every knob of the server; see README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="CHILE_ID_OCR_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "database_url"))
    master_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    queue_limit: int | None = Field(default=None, ge=1)
    max_body_bytes: int = Field(default=2 * IMAGE_LIMIT + MB, ge=1024)
    body_timeout: float = Field(default=30.0, gt=0)
    token_ttl_seconds: int = 24 * 3600
    clock_skew_seconds: int = 15 * 60
    url_allowlist: str = ""
    url_connect_timeout: float = 5.0
    url_read_timeout: float = 10.0
    url_max_bytes: int = IMAGE_LIMIT
    url_max_redirects: int = 3
    access_log: bool = True
    # Hardening: budgets and limits (README, "Hardening / limits").
    reader_limit: int | None = Field(default=None, ge=1)
    max_pixels: int = Field(default=40_000_000, ge=225)
    job_cpu_seconds: float = Field(default=20.0, gt=0)
    token_ip_burst: int = Field(default=10, ge=1)
    token_ip_per_minute: float = Field(default=20.0, gt=0)
    token_user_failures: int = Field(default=5, ge=1)
    token_user_refill_seconds: float = Field(default=60.0, gt=0)
    token_hash_concurrency: int = Field(default=2, ge=1)
    signature_replay_cache: bool = False
    auth_failure_burst: int = Field(default=20, ge=1)
    auth_failure_per_second: float = Field(default=2.0, gt=0)
    auth_failure_delay: float = Field(default=1.0, ge=0)

    def database(self) -> str:
        """``DATABASE_URL``, else SQLite in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'chile-id-ocr.db'}"

    def admission_limit(self) -> int:
        """Requests admitted at once (running or waiting for a worker); beyond it, 429."""
        return self.queue_limit or 2 * self.workers + 2

    def body_reader_limit(self) -> int:
        """Request bodies read at once (authenticated or not yet: AK/SK needs the body); beyond it, 429."""
        return self.reader_limit or max(16, 4 * self.admission_limit())

    def allowed_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """Networks the operator allows ``url`` to reach although they are not public."""
        items = [item.strip() for item in self.url_allowlist.split(",")]
        return tuple(ipaddress.ip_network(item, strict=False) for item in items if item)

    def load_master_key(self) -> MasterKey:
        return MasterKey.load(self.master_key.get_secret_value() if self.master_key else None, self.data_dir)

    def open_store(self, upgrade: bool = False) -> Store:
        """The store on ``database()``; ``upgrade`` runs the migrations first."""
        engine = make_engine(self.database())
        if upgrade:
            migrate(engine)
        return Store(engine, self.load_master_key())
