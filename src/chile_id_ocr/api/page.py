"""The web page: ``GET /`` and its static files under ``/static/``, shipped in the package (no build step, no CDN).

The page is a client like any other: it signs in through ``/v3/auth/tokens`` and reads cards through
``POST /v2/{project_id}/ocr/chile-id-card``; these routes give it nothing else. Its Content-Security-Policy lets it
load and call only this origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).with_name("static")

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def add_page_routes(app: FastAPI) -> None:
    """``GET /`` (the page) and ``GET /static/...`` (its scripts, style and icon)."""

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
