"""Helpers for the service's tests: a real server on loopback, a throw-away PostgreSQL, a network guard.

Imported by ``tests/api/conftest.py`` and ``tests/store/conftest.py`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from glob import glob
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn

from chile_id_ocr.api.app import create_app
from chile_id_ocr.api.limits import ip_of
from chile_id_ocr.api.server import uvicorn_config
from chile_id_ocr.api.settings import Settings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ThreadServer:
    """``create_app(settings)`` on uvicorn in a thread of this process, on 127.0.0.1 and a free port."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        config = uvicorn_config(self.app, settings, host="127.0.0.1", port=0, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 180.0) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + ready_timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        self.port = int(self.server.servers[0].sockets[0].getsockname()[1])
        while requests.get(f"{self.url}/ready", timeout=10).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not become ready")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)


def serving(settings: Settings) -> Iterator[ThreadServer]:
    """A session fixture's body: the server started, then stopped."""
    running = ThreadServer(settings).start()
    yield running
    running.stop()


# --- PostgreSQL -----------------------------------------------------------------------------------------------


@dataclass
class Postgres:
    """A throw-away cluster listening only on 127.0.0.1."""

    bin_dir: Path
    data_dir: Path
    port: int
    run_as: list[str] = field(default_factory=list)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.run_as, *args], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")

    def create_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"t_{os.urandom(6).hex()}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w")


def postgres_bin_dir() -> Path | None:
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def start_postgres(base: Path) -> Postgres:
    """initdb + pg_ctl start in ``base`` (as the ``postgres`` user when running as root); raises when impossible."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (scripts/setup.sh installs it)")
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, user="postgres", group="postgres")
    pg = Postgres(bin_dir, base / "data", free_port(), run_as)
    pg._run(str(bin_dir / "initdb"), "-D", str(pg.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-c listen_addresses=127.0.0.1 -p {pg.port} -k {base} -c fsync=off"
    pg._run(str(bin_dir / "pg_ctl"), "start", "-D", str(pg.data_dir), "-w", "-o", options, "-l", str(base / "log"))
    return pg


def postgres_or_skip() -> Iterator[Postgres]:
    """The cluster for a session fixture; FAIL under CI when it cannot start, skip elsewhere.

    Its directory is made under /tmp (not pytest's private temporary tree, which the ``postgres`` user
    cannot enter) and removed afterwards.
    """
    base = Path(tempfile.mkdtemp(prefix="chile-id-ocr-pg-"))
    try:
        try:
            pg = start_postgres(base)
        except (RuntimeError, OSError, KeyError, subprocess.SubprocessError) as exc:
            message = f"cannot start PostgreSQL: {exc}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        try:
            yield pg
        finally:
            pg.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


# --- the network guard ----------------------------------------------------------------------------------------

PRIVATE_NAME = "intranet.test"  # resolves, through the guard's fake DNS, to a private address
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def _is_loopback(host: str) -> bool:
    address = ip_of(host)
    return address is not None and address.is_loopback


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


@dataclass
class NetworkGuard:
    """Refuses (and records) every connection and name lookup that could leave loopback.

    ``fake_dns`` answers names with addresses without asking any resolver, so a test can say that a name
    resolves to a private address: the code under test must then refuse it before connecting.
    """

    fake_dns: dict[str, str] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def getaddrinfo(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name in self.fake_dns:
                address = self.fake_dns[name]
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port or 0)))]
            if name is None or name in LOOPBACK_NAMES or _is_ip_literal(name):  # answered without a resolver
                return real(host, port, *args, **kwargs)
            self.violations.append(f"name lookup of {name!r}")
            raise socket.gaierror(socket.EAI_NONAME, "blocked by the test network guard")

        return guarded

    def connect(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(sock: socket.socket, address: Any) -> Any:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(str(address[0])):
                self.violations.append(f"connection to {address!r}")
                raise ConnectionRefusedError("blocked by the test network guard")
            return real(sock, address)

        return guarded

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo(socket.getaddrinfo))
        monkeypatch.setattr(socket.socket, "connect", self.connect(socket.socket.connect))
        monkeypatch.setattr(socket.socket, "connect_ex", self.connect(socket.socket.connect_ex))


class EveryNamePrivate(dict):
    """Fake DNS for fuzzing: every name but loopback's resolves to 10.0.0.1 (refused by the URL policy before
    any connection), so generated URLs never reach a resolver."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name not in LOOPBACK_NAMES and not _is_ip_literal(name)

    def __missing__(self, name: str) -> str:
        return "10.0.0.1"


def guarding(monkeypatch: pytest.MonkeyPatch, fake_dns: dict[str, str] | None = None) -> Iterator[NetworkGuard]:
    """An autouse fixture's body: the guard installed, then no violation allowed."""
    guard = NetworkGuard(fake_dns=fake_dns or {})
    guard.install(monkeypatch)
    yield guard
    assert guard.violations == [], f"traffic beyond loopback was attempted: {guard.violations}"


# --- clients and loopback HTTP servers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    project_id: str
    ak: str
    sk: str
    user: str
    password: str
    domain: str


def bootstrap(server: ThreadServer) -> Credentials:
    """What ``admin bootstrap`` makes in the server's database: a project, a user and an access key."""
    store = server.settings.open_store()
    out = store.bootstrap("default", "admin", "default")
    store.engine.dispose()
    return Credentials(**{k: str(v) for k, v in out.items()})


@dataclass
class ImageServer:
    """A tiny HTTP server on a loopback address; records the paths it was asked for."""

    host: str
    routes: dict[str, tuple[int, dict[str, str], bytes]]
    hits: list[str] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def serve(self) -> ThreadingHTTPServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits.append(self.path)
                status, headers, body = outer.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer((self.host, 0), Handler)
        self.port = int(httpd.server_address[1])
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return httpd


def error_of(response: object) -> tuple[int, str]:
    """(HTTP status, error_code) of a ``requests`` response."""
    status = response.status_code  # type: ignore[attr-defined]
    return status, json.loads(response.content).get("error_code", "")  # type: ignore[attr-defined]


def token_of(server: ThreadServer, creds: Credentials) -> str:
    """A project-scoped token for ``creds`` from the server's /v3/auth/tokens."""
    user = {"name": creds.user, "password": creds.password, "domain": {"name": creds.domain}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"id": creds.project_id}},
        }
    }
    return requests.post(f"{server.url}/v3/auth/tokens", json=body, timeout=30).headers["X-Subject-Token"]
