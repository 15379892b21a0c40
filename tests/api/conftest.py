"""Fixtures of the HTTP tests: one real server on loopback (SQLite, one recognition worker), its credentials,
image servers on loopback for ``url`` input, and an autouse guard that fails any test whose code tries to
reach anything but loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from chile_id_ocr.api.settings import Settings
from service_support import (
    PRIVATE_NAME,
    Credentials,
    ImageServer,
    NetworkGuard,
    ThreadServer,
    bootstrap,
    guarding,
    serving,
)

URL_MAX_BYTES = 1024 * 1024


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    yield from guarding(monkeypatch, {PRIVATE_NAME: "10.0.0.1"})


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("service"),
        database_url=None,
        workers=1,
        queue_limit=2,
        url_allowlist="127.0.0.2/32",
        url_max_bytes=URL_MAX_BYTES,
        url_connect_timeout=2.0,
        url_read_timeout=5.0,
        token_ip_burst=100_000,  # every test's client is 127.0.0.1: the token limits have their own server
        token_user_failures=100_000,
        auth_failure_burst=100_000,
    )
    yield from serving(settings)


@pytest.fixture(scope="session")
def creds(server: ThreadServer) -> Credentials:
    return bootstrap(server)


@pytest.fixture(scope="session")
def specimen_b64(real: Path) -> str:
    return base64.b64encode((real / "specimen_front.jpg").read_bytes()).decode()


@pytest.fixture(scope="session")
def canary() -> Iterator[ImageServer]:
    """A server on 127.0.0.1 that no refused URL may ever reach."""
    srv = ImageServer("127.0.0.1", {"/": (200, {}, b"canary")})
    httpd = srv.serve()
    yield srv
    httpd.shutdown()


@pytest.fixture(scope="session")
def images(real: Path, canary: ImageServer) -> Iterator[ImageServer]:
    """The allowlisted image server on 127.0.0.2: the specimen, redirects, errors, a non-image, a big file."""
    jpeg = (real / "specimen_front.jpg").read_bytes()
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/specimen.jpg": (200, {"Content-Type": "image/jpeg"}, jpeg),
        "/page.html": (200, {"Content-Type": "text/html"}, b"<html>no image</html>"),
        "/big.jpg": (200, {"Content-Type": "image/jpeg"}, jpeg[:3] + b"\0" * (URL_MAX_BYTES + 10)),
        "/to-specimen": (302, {"Location": "/specimen.jpg"}, b""),
        "/to-canary": (302, {"Location": canary.url("/")}, b""),
        "/to-localhost": (302, {"Location": f"http://localhost:{canary.port}/"}, b""),
    }
    for i in range(5):
        routes[f"/loop{i}"] = (302, {"Location": f"/loop{i + 1}"}, b"")
    srv = ImageServer("127.0.0.2", routes)
    httpd = srv.serve()
    yield srv
    httpd.shutdown()
