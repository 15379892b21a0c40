"""The API documentation at ``/docs``: Swagger UI on ``/openapi.json``, its assets shipped in the package
(``api/static/swagger-ui-bundle.js`` and ``swagger-ui.css``, from the ``swagger-ui-dist`` release named in
docs/security.md, Apache-2.0: ``swagger-ui-LICENSE``), never loaded from a CDN.

The page has a Content-Security-Policy: scripts, styles, images and calls from this origin only (Swagger UI's
start-up is ``static/docs.js``, not an inline script). Inline styles are allowed: Swagger UI's components set
some; images may be ``data:`` URIs (its icons are in its CSS).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import FileResponse

from chile_id_ocr.api.page import PAGE_HEADERS, STATIC_DIR

DOCS_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}


def add_docs_routes(app: FastAPI) -> None:
    """``GET /docs`` (create the app with ``docs_url=None``: this replaces FastAPI's CDN page)."""

    @app.get("/docs", include_in_schema=False)
    async def docs() -> FileResponse:
        return FileResponse(STATIC_DIR / "docs.html", media_type="text/html", headers=DOCS_HEADERS)
