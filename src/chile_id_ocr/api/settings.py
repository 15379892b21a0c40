"""The service's configuration: one object, read from the environment (``CHILE_ID_OCR_*`` and ``DATABASE_URL``)
over a TOML file (``--config PATH`` or ``$CHILE_ID_OCR_CONFIG``: ``api/config.py``). Each setting's docstring is
its meaning in docs/configuration.md, which ``api/config.reference()`` writes.

>>> s = Settings(data_dir="/tmp/x", workers=2)
>>> s.database(), s.admission_limit(), s.body_reader_limit()
('sqlite:////tmp/x/chile-id-ocr.db', 6, 24)
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from chile_id_ocr.api.config import ConfigFile, config_path
from chile_id_ocr.store.credentials import MasterKey
from chile_id_ocr.store.db import make_engine, migrate
from chile_id_ocr.store.repo import Store

MB = 1024 * 1024
IMAGE_LIMIT = 10 * MB  # the contract's limit on the base64 of one image, and on a downloaded image


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chile-id-ocr"


class Settings(BaseSettings):
    """Every knob of the server: flags over the environment over the configuration file (docs/configuration.md)."""

    model_config = SettingsConfigDict(
        env_prefix="CHILE_ID_OCR_", extra="ignore", populate_by_name=True, use_attribute_docstrings=True
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    """Data directory (SQLite database, `master.key`); default `$XDG_DATA_HOME/chile-id-ocr`, else
    `~/.local/share/chile-id-ocr`."""
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "database_url"))
    """The service's database: `sqlite:///PATH` or `postgresql://USER:PASSWORD@HOST/DB`; not set: SQLite in the data
    directory."""
    master_key: SecretStr | None = None
    """Master key (32+ bytes, base64 or text) for secret keys and tokens; not set: `master.key` in the data directory
    (created on first use)."""
    host: str = "127.0.0.1"
    """Address `serve` listens on (`--host`); `0.0.0.0` for every interface."""
    port: int = 8000
    """Port `serve` listens on (`--port`)."""
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    """Recognition worker processes (`--workers`); default one per core."""
    queue_limit: int | None = Field(default=None, ge=1)
    """Requests admitted at once (running or waiting for a worker); beyond, 429. Not set: 2 x workers + 2."""
    max_body_bytes: int = Field(default=2 * IMAGE_LIMIT + MB, ge=1024)
    """Largest request body, in bytes (21 MiB)."""
    body_timeout: float = Field(default=30.0, gt=0)
    """Seconds for a request body to arrive (then AIS.0101)."""
    token_ttl_seconds: int = 24 * 3600
    """Token lifetime, in seconds."""
    clock_skew_seconds: int = 15 * 60
    """Largest `X-Sdk-Date` offset accepted from a signed (AK/SK) request, in seconds."""
    url_allowlist: str = ""
    """Comma-separated networks the `url` input may reach although not public, e.g. `10.0.0.0/8`."""
    url_connect_timeout: float = 5.0
    """`url` download: connect timeout, in seconds."""
    url_read_timeout: float = 10.0
    """`url` download: read timeout, in seconds."""
    url_max_bytes: int = IMAGE_LIMIT
    """`url` download: most bytes read (10 MiB)."""
    url_max_redirects: int = 3
    """`url` download: most redirects followed, each checked again."""
    access_log: bool = True
    """Write the access log (one line per request, no personal data)."""
    recapture_threshold: float | None = Field(default=None, ge=0, le=1)
    """Score (`details.capture.score`) from which a capture is flagged (`details.capture.flagged`) as a screen, a
    photocopy or a printout of a card; not set: no flag, the kind and score alone (docs/crops-and-recapture.md)."""
    # Hardening: budgets and limits (docs/http-service.md, "Hardening / limits").
    reader_limit: int | None = Field(default=None, ge=1)
    """Request bodies read at once (before admission); beyond, 429. Not set: 4 x the admission limit, at least 16."""
    max_pixels: int = Field(default=40_000_000, ge=225)
    """Most pixels an image may decode to (read from its header)."""
    job_cpu_seconds: float = Field(default=20.0, gt=0)
    """CPU seconds one recognition may use in its worker (then AIS.0105)."""
    max_decode_mb: int = Field(default=512, ge=16)
    """Most memory (MB) decoding one image may take, estimated from its header before decoding (then AIS.0103;
    docs/limits.md)."""
    worker_memory_mb: int = Field(default=1536, ge=0)
    """Memory ceiling (MB) of each recognition worker's data (RLIMIT_DATA): a recognition that needs more gets
    AIS.0105 and the worker serves on; 0: no ceiling (docs/limits.md)."""
    token_ip_burst: int = Field(default=10, ge=1)
    """`/v3/auth/tokens` requests per client address: the burst."""
    token_ip_per_minute: float = Field(default=20.0, gt=0)
    """`/v3/auth/tokens` requests per client address: then this many a minute."""
    token_user_failures: int = Field(default=5, ge=1)
    """Wrong passwords per user name before throttling."""
    token_user_refill_seconds: float = Field(default=60.0, gt=0)
    """Then one more wrong password allowed every this many seconds."""
    token_hash_concurrency: int = Field(default=2, ge=1)
    """Password checks (argon2) run at once."""
    signature_replay_cache: bool = False
    """Refuse an AK/SK signature already used (per process)."""
    auth_failure_burst: int = Field(default=20, ge=1)
    """Authentication failures per address before each further refusal is delayed."""
    auth_failure_per_second: float = Field(default=2.0, gt=0)
    """Authentication failures allowed per second after the burst."""
    auth_failure_delay: float = Field(default=1.0, ge=0)
    """Seconds each refusal past the allowance waits before it is sent."""
    # The connection edge, slow bodies, fairness and sign-in throttling (docs/security.md).
    max_header_bytes: int = Field(default=64 * 1024, ge=1024)
    """Largest request head (request line and headers together), in bytes; beyond, 431 and the connection closed."""
    max_headers: int = Field(default=100, ge=8)
    """Most headers in one request; beyond, 431 and the connection closed."""
    header_timeout: float = Field(default=30.0, gt=0)
    """Seconds a connection has to send a whole request head (after opening or its last answer); then closed."""
    max_connections: int | None = Field(default=None, ge=1)
    """Connections held at once (past it, the longest idle one is closed). Not set: derived from the open-file limit."""
    body_min_rate: float = Field(default=8192.0, ge=0)
    """Slowest average rate of a request body, bytes a second, after the grace (then AIS.0101); 0: none."""
    body_rate_grace: float = Field(default=5.0, gt=0)
    """Seconds a request body may take before its rate is held to `body_min_rate`."""
    readers_per_client: int | None = Field(default=None, ge=1)
    """Request bodies read at once for one client (token, access key, address). Not set: a quarter of the
    reader limit, at least 2."""
    limit_prefix_v4: int = Field(default=24, ge=8, le=32)
    """IPv4 prefix length that counts as one client network for the per-address limits."""
    limit_prefix_v6: int = Field(default=64, ge=16, le=128)
    """IPv6 prefix length that counts as one client network for the per-address limits."""
    token_user_total_failures: int = Field(default=30, ge=1)
    """Wrong passwords per user name from all networks together before throttling (refilled alike)."""
    noisy_log_per_minute: int = Field(default=60, ge=1)
    """Lines a minute each noisy logger (uvicorn's, the protocol's) may write; the rest are counted, not written."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments (the flags), then the environment, then the configuration file, if one is named."""
        path = config_path()
        config_file = (ConfigFile(settings_cls, path),) if path else ()
        return (init_settings, env_settings, dotenv_settings, *config_file, file_secret_settings)

    def database(self) -> str:
        """``DATABASE_URL``, else SQLite in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'chile-id-ocr.db'}"

    def admission_limit(self) -> int:
        """Requests admitted at once (running or waiting for a worker); beyond it, 429."""
        return self.queue_limit or 2 * self.workers + 2

    def body_reader_limit(self) -> int:
        """Request bodies read at once (authenticated or not yet: AK/SK needs the body); beyond it, 429."""
        return self.reader_limit or max(16, 4 * self.admission_limit())

    def client_readers_limit(self) -> int:
        """Request bodies read at once for one client (a project's token, an access key, an address)."""
        return self.readers_per_client or max(2, self.body_reader_limit() // 4)

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
