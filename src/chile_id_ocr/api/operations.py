"""The operations routes: ``/health`` (the process answers), ``/ready`` (the database and the recognition
workers are up) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from chile_id_ocr.api.services import offload, services_of


def add_operations_routes(app: FastAPI) -> None:
    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"])
    async def ready(request: Request) -> JSONResponse:
        svc = services_of(request)
        database = await offload(svc.store.ping)
        ok = database and svc.pool.ready
        body = {"status": "ready" if ok else "not ready", "database": database, "workers": svc.pool.ready}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus"}},
    )
    async def metrics(request: Request) -> Response:
        svc = services_of(request)
        return Response(svc.metrics.render(), media_type=svc.metrics.content_type)
