"""Who calls a route: the caller authenticated by its token (``X-Auth-Token``) or by its request's signature
(``Authorization``), the checks run off the event loop."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from chile_id_ocr.api.auth import Principal, SignedRequest
from chile_id_ocr.api.services import Services, offload


def uses_token(request: Request) -> bool:
    """Token authentication unless the request is signed (``Authorization`` without ``X-Auth-Token``)."""
    return "x-auth-token" in request.headers or "authorization" not in request.headers


async def by_token(svc: Services, request: Request, project_id: str) -> Principal:
    token = request.headers.get("x-auth-token", "")
    return await offload(svc.auth.by_token, token, project_id, datetime.now(UTC))


async def by_signature(svc: Services, request: Request, project_id: str, body: bytes) -> Principal:
    signed = SignedRequest(
        method=request.method,
        path=request.url.path,
        query=request.scope.get("query_string", b"").decode("latin-1"),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
    )
    authorization = request.headers.get("authorization", "")
    return await offload(svc.auth.by_signature, authorization, signed, project_id, datetime.now(UTC))
