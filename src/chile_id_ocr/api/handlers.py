"""The exception handlers: every error in the contract's shape (or the identity service's), routing's own
errors included, a client gone recorded as 499, and authentication failures past an address's allowance
slowed down (:func:`tarpit`)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from chile_id_ocr.api.errors import ApiError, IdentityError
from chile_id_ocr.api.incoming import ClientGone
from chile_id_ocr.api.services import services_of


async def tarpit(request: Request) -> None:
    """An address past its allowance of authentication failures waits ``auth_failure_delay`` seconds for each
    further refusal: a flooding client that waits for its answers then costs next to nothing (a sleeping
    coroutine), whatever it sends. Successful calls are never delayed."""
    svc = services_of(request)
    if svc.failures.take(svc.token_limits.network(request)) > 0:
        await asyncio.sleep(svc.settings.auth_failure_delay)


def add_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        request.state.error_code = exc.code
        if exc.status == 401 or (exc.status == 429 and request.url.path == "/v3/auth/tokens"):
            await tarpit(request)
        return JSONResponse(exc.to_api(), status_code=exc.status, headers=exc.headers())

    async def client_gone(request: Request, exc: Exception) -> Response:
        """Nobody to answer: 499 for the access log and metrics (uvicorn sends nothing on a closed connection)."""
        request.state.error_code = "client_gone"
        return Response(status_code=499)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        """Routing's own errors (unknown path, wrong method) in the contract's shape."""
        assert isinstance(exc, StarletteHTTPException)
        code = "APIG.0101" if exc.status_code in (404, 405) else "AIS.0101"
        request.state.error_code = code
        reason = "method not allowed" if exc.status_code == 405 else ""
        body = ApiError.of(code, reason).to_api()
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    async def internal(request: Request, exc: Exception) -> JSONResponse:
        """Any other failure: 500 in the contract's shape (the traceback goes to the log, escaped)."""
        return JSONResponse(ApiError.of("AIS.0105", "internal error").to_api(), status_code=500)

    async def identity_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, IdentityError)
        request.state.error_code = f"IAM.{exc.status}"
        if exc.status == 401:
            await tarpit(request)
        return JSONResponse(exc.to_api(), status_code=exc.status)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        return await api_error(request, ApiError.of("AIS.0101"))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(IdentityError, identity_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(ClientGone, client_gone)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, internal)
