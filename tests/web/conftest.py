"""Fixtures of the web page's tests: a real server on loopback (SQLite, one real recognition worker), its
credentials, and Debian's chromium driven by Playwright (never a downloaded browser).

Every page runs in a fresh browser context whose requests are checked: anything but the server's own origin is
refused and fails the test (the page must work offline, with no CDN), and so does any error the page logs
(a Content-Security-Policy violation, a script error).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from chile_id_ocr.api.settings import Settings
from service_support import Credentials, NetworkGuard, ThreadServer, bootstrap, guarding, serving
from web.page_support import REPO, missing

ARTIFACTS = REPO / "test-artifacts" / "web"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    yield from guarding(monkeypatch)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("web-service"),
        database_url=None,
        workers=1,
        queue_limit=4,
        token_ip_burst=10_000,  # every sign-in comes from 127.0.0.1
    )
    yield from serving(settings)


@pytest.fixture(scope="session")
def creds(server: ThreadServer) -> Credentials:
    return bootstrap(server)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed (the web-test extra)")
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is not installed (Debian's chromium)")
    with sync_playwright() as playwright:
        # launch() gives the browser a fresh, throw-away profile (user-data-dir) of its own.
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watch:
    """What a page did that it must not: requests beyond the server, errors in its console."""

    origin: str
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def console(self, kind: str, text: str) -> None:
        # The browser logs every refused API call (an HTTP 4xx, a test's purpose); the page's own files are
        # checked by response() instead.
        if kind == "error" and not text.startswith("Failed to load resource: the server responded with a status"):
            self.errors.append(text)

    def response(self, status: int, url: str, kind: str) -> None:
        if status >= 400 and kind not in ("fetch", "xhr"):
            self.errors.append(f"HTTP {status} for {url}")

    def check(self) -> None:
        assert self.refused == [], f"the page asked for something beyond {self.origin}: {self.refused}"
        assert self.errors == [], f"the page logged errors: {self.errors}"


def open_page(browser: Any, server: ThreadServer, viewport: dict[str, int], **options: Any) -> tuple[Any, Any, Watch]:
    """A fresh context (no cookies, no storage) and page on the server's ``/``."""
    context = browser.new_context(viewport=viewport, **options)
    watch = Watch(server.url)

    def route(r: Any) -> None:
        if r.request.url.startswith(server.url + "/") or r.request.url.startswith("blob:"):
            r.continue_()
        else:
            watch.refused.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: watch.console(m.type, m.text))
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on("response", lambda r: watch.response(r.status, r.url, r.request.resource_type))
    page.goto(server.url + "/")
    page.wait_for_selector("html[data-ready=true]")
    return context, page, watch


@pytest.fixture
def desktop(browser: Any, server: ThreadServer) -> Iterator[Any]:
    context, page, watch = open_page(browser, server, DESKTOP)
    yield page
    context.close()
    watch.check()


@pytest.fixture
def phone(browser: Any, server: ThreadServer) -> Iterator[Any]:
    context, page, watch = open_page(browser, server, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()
    watch.check()
