"""What bench/fuzz.py, bench/attack.py and bench/soak.py share: a real server as a subprocess (``chile-id-ocr
serve``, SQLite in a temporary directory), its credentials, and the memory of its process tree."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

import server as srv


@dataclass
class Running:
    server: srv.Server
    boot: dict[str, Any]
    token: str
    log: Path

    @property
    def card_url(self) -> str:
        return f"{self.server.url}/v2/{self.boot['project_id']}/ocr/chile-id-card"

    def worker_rss_mib(self) -> list[float]:
        """RSS of each recognition worker (the server's descendants), MiB."""
        pids = [p for p in srv.tree(self.server.process.pid) if p != self.server.process.pid]
        return [srv.rss_kib(p) / 1024 for p in pids if srv.rss_kib(p) > 0]

    def server_rss_mib(self) -> float:
        return srv.rss_kib(self.server.process.pid) / 1024


def token_body(boot: dict[str, Any], password: str | None = None, user: str | None = None) -> dict[str, Any]:
    identity_user = {
        "name": user or boot["user"],
        "password": boot["password"] if password is None else password,
        "domain": {"name": boot["domain"]},
    }
    return {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": identity_user}},
            "scope": {"project": {"id": boot["project_id"]}},
        }
    }


@contextmanager
def running(workers: int, env: dict[str, str] | None = None) -> Iterator[Running]:
    """The server with ``workers`` recognition workers and extra ``CHILE_ID_OCR_*`` settings in ``env``."""
    with tempfile.TemporaryDirectory(prefix="chile-id-ocr-hostile-") as tmp:
        saved = {k: os.environ.get(k) for k in env or {}}
        os.environ.update(env or {})
        try:
            log = Path(tmp) / "server.log"
            server = srv.start_server(Path(tmp) / "data", workers, log)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        try:
            done = subprocess.run(
                srv.cli("admin", "bootstrap", "--json"), env=server.env, capture_output=True, check=True, text=True
            )
            boot = json.loads(done.stdout)
            issued = requests.post(f"{server.url}/v3/auth/tokens", json=token_body(boot), timeout=60)
            issued.raise_for_status()
            yield Running(server, boot, issued.headers["X-Subject-Token"], log)
        finally:
            server.stop()
