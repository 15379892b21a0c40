"""The FastAPI application: ``create_app(settings)`` builds it with everything it uses; nothing is global.

Routes: ``POST /v2/{project_id}/ocr/chile-id-card`` (the contract), ``POST /v3/auth/tokens`` (IAM-style tokens),
``GET /v3/auth/projects``, ``GET /v2/{project_id}/ocr/usage``, ``/health``, ``/ready``, ``/metrics``; OpenAPI at
``/docs``; the web page at ``/`` (``api/page.py``).

The routes are in ``api/ocr_routes.py`` (the card call itself in ``api/card_call.py``), ``api/identity_routes.py``
and ``api/operations.py``; the error handlers in ``api/handlers.py``; what they share in ``api/services.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chile_id_ocr.api.access import AccessLog
from chile_id_ocr.api.docs_page import add_docs_routes
from chile_id_ocr.api.handlers import add_error_handlers
from chile_id_ocr.api.identity_routes import add_identity_routes
from chile_id_ocr.api.logs import quiet_noisy_loggers, rate_limit_noisy_loggers
from chile_id_ocr.api.ocr_routes import add_card_routes
from chile_id_ocr.api.openapi import without_validation_errors
from chile_id_ocr.api.operations import add_operations_routes
from chile_id_ocr.api.page import add_page_routes
from chile_id_ocr.api.services import build_services, offload
from chile_id_ocr.api.settings import Settings
from chile_id_ocr.store.db import migrate


def create_app(settings: Settings) -> FastAPI:
    svc = build_services(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await offload(migrate, svc.store.engine)
        warm_up = svc.spawn(svc.pool.start())
        try:
            yield
        finally:
            warm_up.cancel()
            await svc.settle()
            await offload(svc.pool.shutdown)
            svc.store.engine.dispose()

    app = FastAPI(
        title="chile-id-ocr",
        version="0.1.0",
        description="Self-hosted Chilean ID card OCR, compatible with the cloud's `chile-id-card` API.",
        lifespan=lifespan,
        docs_url=None,  # /docs is api/docs_page.py's: Swagger UI shipped in the package, with a CSP
        redoc_url=None,  # FastAPI's ReDoc page loads its script from a CDN
        redirect_slashes=False,  # never a redirect built from the request's Host (a client would re-send its body)
    )
    quiet_noisy_loggers()
    rate_limit_noisy_loggers(settings.noisy_log_per_minute)
    app.state.services = svc
    svc.metrics.watch(svc.fair.queue_depth, svc.pool.in_flight, lambda: svc.fair.admitted)
    app.add_middleware(AccessLog, metrics=svc.metrics, enabled=settings.access_log)
    add_error_handlers(app)
    add_card_routes(app)
    add_identity_routes(app)
    add_operations_routes(app)
    add_page_routes(app)
    add_docs_routes(app)
    without_validation_errors(app)
    return app
