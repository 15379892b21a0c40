"""The identity routes: ``POST /v3/auth/tokens`` (IAM-style tokens, password method, limited per client network
and per user name and network, ``TokenLimits`` in ``api/services.py``) and ``GET /v3/auth/projects``,
answering errors in the identity service's shape."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from chile_id_ocr.api.errors import ApiError, IdentityError
from chile_id_ocr.api.incoming import SMALL_BODY, parse_json, read_body
from chile_id_ocr.api.openapi import request_body
from chile_id_ocr.api.schemas import ErrorResponse, TokenRequest, TokenResponse
from chile_id_ocr.api.services import offload, services_of


class _IdentityErrorBody(BaseModel):
    code: int
    message: str
    title: str


class IdentityErrorResponse(BaseModel):
    """The identity service's error shape."""

    error: _IdentityErrorBody


_TOKEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {
        "model": TokenResponse,
        "description": "The token is in the X-Subject-Token header.",
        "headers": {"X-Subject-Token": {"description": "The token.", "schema": {"type": "string"}}},
    },
    400: {"model": IdentityErrorResponse, "description": "The body is invalid or the method is not password."},
    401: {"model": IdentityErrorResponse, "description": "Wrong user name or password, or no access to the project."},
    403: {"model": IdentityErrorResponse, "description": "The service is not enabled for the project."},
    429: {"model": ErrorResponse, "description": "APIG.0308: too many attempts; see Retry-After."},
}


def add_identity_routes(app: FastAPI) -> None:
    @app.post(
        "/v3/auth/tokens",
        status_code=201,
        openapi_extra=request_body(TokenRequest),
        responses=_TOKEN_RESPONSES,
        summary="Get a token (password method, scoped to a project); it is in the X-Subject-Token header",
        tags=["identity"],
    )
    async def issue_token(request: Request) -> JSONResponse:
        svc = services_of(request)
        limits = svc.token_limits
        network = limits.network(request)
        wait = limits.by_address.take(network)
        if wait:
            raise ApiError.of("APIG.0308", "too many token requests from this address", retry_after=wait)
        try:
            body = await read_body(request, SMALL_BODY, svc.settings.body_timeout)
            auth = TokenRequest.model_validate(parse_json(body)).auth
        except ApiError as err:
            raise IdentityError(400, err.error_msg) from None
        except (ValueError, RecursionError):
            raise IdentityError(400, "The request body is invalid.") from None
        if "password" not in auth.identity.methods:
            raise IdentityError(400, "Only the password method is supported.")
        user = auth.identity.password.user
        user_key = f"{user.domain.name.lower()}/{user.name.lower()}"
        pair = f"{user_key} {network}"
        # Too many wrong passwords for this name (known or not: no hint either way) from this network, or from
        # everywhere while this network is not one the user signed in from lately: that network waits.
        wait = limits.by_user_network.wait(pair)
        if not wait and not limits.is_trusted(user_key, network):
            wait = limits.by_user.wait(user_key)
        if wait:
            raise ApiError.of("APIG.0308", "too many failed attempts for this user", retry_after=wait)
        async with limits.hashing:
            found = await offload(svc.store.authenticate, user.name, user.domain.name, user.password)
        if found is None:
            limits.by_user_network.take(pair)
            limits.by_user.take(user_key)
            raise IdentityError(401, "The username or password is wrong.")
        limits.trust(user_key, network)
        project = None
        if auth.scope is not None:  # without a scope, an unscoped token: it only lists the user's projects
            project = await offload(svc.store.get_project, auth.scope.project.id)
            if project is None or project.domain != found.domain:
                raise IdentityError(401, "The user has no access to the project.")
            request.state.project = project.id
            if not project.service_enabled:
                raise IdentityError(403, "The service is not enabled for the project.")
        token, claims = svc.auth.tokens.issue(found, project.id if project else "", datetime.now(UTC))
        domain = {"id": found.domain, "name": found.domain}
        answer = {
            "token": {
                "methods": ["password"],
                "issued_at": _iso(claims.issued_at),
                "expires_at": _iso(claims.expires_at),
                "user": {"id": found.id, "name": found.name, "domain": domain},
                **({"project": {"id": project.id, "name": project.name, "domain": domain}} if project else {}),
                "roles": [],
                "catalog": [],
            }
        }
        return JSONResponse(answer, status_code=201, headers={"X-Subject-Token": token})

    @app.get("/v3/auth/projects", summary="The projects the token's user may use", tags=["identity"])
    async def auth_projects(request: Request) -> JSONResponse:
        svc = services_of(request)
        try:
            claims = svc.auth.tokens.verify(request.headers.get("x-auth-token", "").strip(), datetime.now(UTC))
        except ApiError:
            raise IdentityError(401, "The request you have made requires authentication.") from None
        if not await offload(svc.store.user_active, claims.user_id):  # disabled or deleted since the token
            raise IdentityError(401, "The request you have made requires authentication.")
        projects = [p for p in await offload(svc.store.list_projects) if p.domain == claims.domain]
        listed = [
            {"id": p.id, "name": p.name, "domain_id": p.domain, "enabled": True, "service_enabled": p.service_enabled}
            for p in projects
        ]
        return JSONResponse({"projects": listed, "links": {"self": str(request.url), "previous": None, "next": None}})


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
