"""The FastAPI application: ``create_app(settings)`` builds it with everything it uses; nothing is global.

Routes: ``POST /v2/{project_id}/ocr/chile-id-card`` (the contract), ``POST /v3/auth/tokens`` (IAM-style tokens),
``GET /v3/auth/projects``, ``GET /v2/{project_id}/ocr/usage``, ``/health``, ``/ready``, ``/metrics``; OpenAPI at
``/docs``; the web page at ``/`` (``api/page.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from chile_id_ocr.api.access import AccessLog
from chile_id_ocr.api.auth import Authenticator, Principal, SignedRequest, TokenCodec
from chile_id_ocr.api.errors import CODES, ApiError, IdentityError
from chile_id_ocr.api.fetch import FetchPolicy, fetch_image
from chile_id_ocr.api.metrics import Metrics
from chile_id_ocr.api.page import add_page_routes
from chile_id_ocr.api.schemas import (
    ChileIdCardRequest,
    ChileIdCardResponse,
    ErrorResponse,
    TokenRequest,
    UsageResponse,
)
from chile_id_ocr.api.settings import Settings
from chile_id_ocr.api.workers import Job, RecognitionPool
from chile_id_ocr.store.db import migrate
from chile_id_ocr.store.repo import SUCCESS, Store

T = TypeVar("T")
_SMALL_BODY = 64 * 1024
_OFFLOAD_BYTES = 512 * 1024  # bodies past this are parsed and hashed in a thread, off the event loop
_CARD_ROUTE = "/v2/{project_id}/ocr/chile-id-card"


@dataclass
class Services:
    """Everything the routes use, built once per app."""

    settings: Settings
    store: Store
    auth: Authenticator
    pool: RecognitionPool
    metrics: Metrics
    fetch_policy: FetchPolicy
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``coroutine`` without making the response wait for it (kept referenced until done)."""
        task = asyncio.create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    async def settle(self) -> None:
        """Wait for the background work started so far (usage counters before they are read)."""
        pending = [t for t in self.background if not t.done()]
        if pending:
            await asyncio.wait(pending)


def build_services(settings: Settings) -> Services:
    store = settings.open_store()
    tokens = TokenCodec(store.master_key.token_key(), settings.token_ttl_seconds)
    policy = FetchPolicy(
        allowlist=settings.allowed_networks(),
        connect_timeout=settings.url_connect_timeout,
        read_timeout=settings.url_read_timeout,
        max_bytes=settings.url_max_bytes,
        max_redirects=settings.url_max_redirects,
    )
    return Services(
        settings=settings,
        store=store,
        auth=Authenticator(store, tokens, settings.clock_skew_seconds),
        pool=RecognitionPool(settings.workers, settings.admission_limit()),
        metrics=Metrics(),
        fetch_policy=policy,
    )


async def offload(func: Callable[..., T], *args: Any) -> T:
    return await to_thread.run_sync(func, *args)


def services_of(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


# --- request bodies -------------------------------------------------------------------------------------------


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The body, read chunk by chunk; ModelArts.4104 as soon as it is over ``limit`` (never buffered further),
    AIS.0101 when it has not all arrived within ``timeout`` seconds (a slow client holds no admission slot
    for longer)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError.of("ModelArts.4104", f"the body is over {limit} bytes")
    data = bytearray()
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                data += chunk
                if len(data) > limit:
                    raise ApiError.of("ModelArts.4104", f"the body is over {limit} bytes")
    except TimeoutError:
        raise ApiError.of("AIS.0101", f"the request body did not arrive within {timeout:g} s") from None
    return bytes(data)


def parse_json(body: bytes) -> Any:
    """The JSON document; ModelArts.4105 when the body is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError.of("ModelArts.4105", "the body is not valid JSON") from None


async def parse_json_off_loop(body: bytes) -> Any:
    return await offload(parse_json, body) if len(body) > _OFFLOAD_BYTES else parse_json(body)


# --- authentication -------------------------------------------------------------------------------------------


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


# --- the card endpoint ----------------------------------------------------------------------------------------


@dataclass
class Call:
    """What the usage counters learn about one call: who (once authenticated), outcome, recognition time."""

    principal: Principal | None = None
    outcome: str = SUCCESS
    seconds: float = 0.0


async def recognize_card(svc: Services, request: Request, project_id: str, call: Call) -> dict[str, Any]:
    """Authenticate, admit, read, validate, fetch, recognize: the response body, or an ``ApiError``."""
    if uses_token(request):
        call.principal = await by_token(svc, request, project_id)
    with svc.pool.slot():
        body = await read_body(request, svc.settings.max_body_bytes, svc.settings.body_timeout)
        if call.principal is None:
            call.principal = await by_signature(svc, request, project_id, body)
        card = ChileIdCardRequest.parse(await parse_json_off_loop(body))
        del body
        job = await build_job(svc, card)
        outcome = await svc.pool.run(job)
    call.seconds = outcome.seconds
    svc.metrics.recognition.observe(outcome.seconds)
    if outcome.error is not None:
        raise ApiError(outcome.error["error_code"], outcome.error["error_msg"])
    response: dict[str, Any] = {"result": outcome.result}
    if card.details:
        response["details"] = outcome.details
    return response


async def build_job(svc: Services, card: ChileIdCardRequest) -> Job:
    image = await fetch_image(card.url, svc.fetch_policy) if card.url else None
    back = await fetch_image(card.back_url, svc.fetch_policy) if card.back_url else None
    return Job(
        image_b64=_ascii(card.image), image=image, back_b64=_ascii(card.back_image), back=back, details=card.details
    )


def _ascii(text: str | None) -> bytes | None:
    """Base64 text as bytes (a worker receives bytes twice as fast as text); AIS.0102 when not ASCII."""
    if not text:
        return None
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        raise ApiError.of("AIS.0102", "the image is not valid base64") from None


def _error_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry = out.setdefault(CODES[code].status, {"model": ErrorResponse, "description": ""})
        entry["description"] = (entry["description"] + f" {code}").strip()
    return out


_AUTH_CODES = ("ModelArts.4101", "ModelArts.4102", "ModelArts.0203", "APIG.0301", "ModelArts.4204")
_CARD_ERRORS = _error_responses(*CODES)
_USAGE_ERRORS = _error_responses(*_AUTH_CODES)


def _request_body(model: type[Any]) -> dict[str, Any]:
    """The OpenAPI request body of ``model`` (routes read their bodies themselves, under a size limit)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        return [inline(v) for v in node] if isinstance(node, list) else node

    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inline(schema)}}}}


# --- the app --------------------------------------------------------------------------------------------------


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
    )
    app.state.services = svc
    svc.metrics.watch(svc.pool.queue_depth, svc.pool.in_flight, lambda: svc.pool.admitted)
    app.add_middleware(AccessLog, metrics=svc.metrics, enabled=settings.access_log)
    _add_error_handlers(app)
    _add_card_routes(app)
    _add_identity_route(app)
    _add_operations_routes(app)
    add_page_routes(app)
    _without_validation_errors(app)
    return app


def _without_validation_errors(app: FastAPI) -> None:
    """Drop FastAPI's generated 422 responses from /docs: invalid input is answered AIS.0101 (400)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            for path in spec["paths"].values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                spec.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        request.state.error_code = exc.code
        headers = {"Retry-After": "1"} if exc.status == 429 else None
        return JSONResponse(exc.to_api(), status_code=exc.status, headers=headers)

    async def identity_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, IdentityError)
        request.state.error_code = f"IAM.{exc.status}"
        return JSONResponse(exc.to_api(), status_code=exc.status)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        return await api_error(request, ApiError.of("AIS.0101"))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(IdentityError, identity_error)
    app.add_exception_handler(RequestValidationError, invalid)


def _add_card_routes(app: FastAPI) -> None:
    @app.post(
        _CARD_ROUTE,
        response_model=ChileIdCardResponse,
        response_model_exclude_none=True,
        responses=_CARD_ERRORS,
        openapi_extra=_request_body(ChileIdCardRequest),
        summary="Read a Chilean ID card",
        tags=["ocr"],
    )
    async def chile_id_card(project_id: str, request: Request) -> JSONResponse:
        svc = services_of(request)
        request.state.project = project_id
        call = Call()
        try:
            return JSONResponse(await recognize_card(svc, request, project_id, call))
        except ApiError as err:
            call.outcome = err.code
            raise
        finally:
            if call.principal is not None:
                svc.spawn(record_usage(svc, project_id, call))

    @app.get(
        _CARD_ROUTE.replace("chile-id-card", "usage"),
        response_model=UsageResponse,
        responses=_USAGE_ERRORS,
        tags=["ocr"],
    )
    async def usage(project_id: str, request: Request) -> JSONResponse:
        svc = services_of(request)
        request.state.project = project_id
        if uses_token(request):
            await by_token(svc, request, project_id)
        else:
            body = await read_body(request, _SMALL_BODY, svc.settings.body_timeout)
            await by_signature(svc, request, project_id, body)
        await svc.settle()
        return JSONResponse((await offload(svc.store.usage, project_id)).to_dict())


async def record_usage(svc: Services, project_id: str, call: Call) -> None:
    try:
        await offload(svc.store.add_usage, project_id, call.outcome, round(call.seconds * 1000))
    except Exception:  # a counter must never fail the call it counts
        logging.getLogger("chile_id_ocr.usage").exception("cannot record usage")


def _add_identity_route(app: FastAPI) -> None:
    @app.post(
        "/v3/auth/tokens",
        status_code=201,
        openapi_extra=_request_body(TokenRequest),
        summary="Get a token (password method, scoped to a project); it is in the X-Subject-Token header",
        tags=["identity"],
    )
    async def issue_token(request: Request) -> JSONResponse:
        svc = services_of(request)
        try:
            body = await read_body(request, _SMALL_BODY, svc.settings.body_timeout)
            auth = TokenRequest.model_validate(parse_json(body)).auth
        except ApiError as err:
            raise IdentityError(400, err.error_msg) from None
        except ValueError:
            raise IdentityError(400, "The request body is invalid.") from None
        if "password" not in auth.identity.methods:
            raise IdentityError(400, "Only the password method is supported.")
        user = auth.identity.password.user
        found = await offload(svc.store.authenticate, user.name, user.domain.name, user.password)
        if found is None:
            raise IdentityError(401, "The username or password is wrong.")
        project = None
        if auth.scope is not None:  # without a scope, an unscoped token: it only lists the user's projects
            project = await offload(svc.store.get_project, auth.scope.project.id)
            if project is None or project.domain != found.domain:
                raise IdentityError(401, "The user has no access to the project.")
            request.state.project = project.id
        token, claims = svc.auth.tokens.issue(found, project.id if project else "", datetime.now(UTC))
        domain = {"id": found.domain, "name": found.domain}
        body = {
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
        return JSONResponse(body, status_code=201, headers={"X-Subject-Token": token})

    @app.get("/v3/auth/projects", summary="The projects the token's user may use", tags=["identity"])
    async def auth_projects(request: Request) -> JSONResponse:
        svc = services_of(request)
        try:
            claims = svc.auth.tokens.verify(request.headers.get("x-auth-token", "").strip(), datetime.now(UTC))
        except ApiError:
            raise IdentityError(401, "The request you have made requires authentication.") from None
        projects = [p for p in await offload(svc.store.list_projects) if p.domain == claims.domain]
        listed = [
            {"id": p.id, "name": p.name, "domain_id": p.domain, "enabled": True, "service_enabled": p.service_enabled}
            for p in projects
        ]
        return JSONResponse({"projects": listed, "links": {"self": str(request.url), "previous": None, "next": None}})


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def _add_operations_routes(app: FastAPI) -> None:
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

    @app.get("/metrics", tags=["operations"])
    async def metrics(request: Request) -> Response:
        svc = services_of(request)
        return Response(svc.metrics.render(), media_type=svc.metrics.content_type)
