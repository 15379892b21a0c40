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
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from chile_id_ocr.api.access import AccessLog
from chile_id_ocr.api.auth import Authenticator, Principal, SignedRequest, TokenCodec
from chile_id_ocr.api.errors import CODES, ApiError, IdentityError
from chile_id_ocr.api.fetch import FetchPolicy, fetch_image
from chile_id_ocr.api.limits import Gate, TokenBuckets
from chile_id_ocr.api.logs import quiet_noisy_loggers
from chile_id_ocr.api.metrics import Metrics
from chile_id_ocr.api.page import add_page_routes
from chile_id_ocr.api.schemas import (
    ChileIdCardRequest,
    ChileIdCardResponse,
    ErrorResponse,
    TokenRequest,
    TokenResponse,
    UsageResponse,
)
from chile_id_ocr.api.settings import IMAGE_LIMIT, Settings
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
    readers: Gate
    token_limits: TokenLimits
    failures: TokenBuckets
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
        auth=Authenticator(store, tokens, settings.clock_skew_seconds, settings.signature_replay_cache),
        pool=RecognitionPool(
            settings.workers, settings.admission_limit(), settings.max_pixels, settings.job_cpu_seconds
        ),
        metrics=Metrics(),
        fetch_policy=policy,
        readers=Gate(settings.body_reader_limit(), "too many request bodies being received, retry later"),
        token_limits=TokenLimits(settings),
        failures=TokenBuckets(settings.auth_failure_burst, settings.auth_failure_per_second),
    )


@dataclass
class TokenLimits:
    """``/v3/auth/tokens``: a bucket per client address (every request), one per user name (failed passwords
    only), and at most ``token_hash_concurrency`` password verifications at once (argon2 is slow on purpose)."""

    by_address: TokenBuckets
    by_user: TokenBuckets
    hashing: asyncio.Semaphore

    def __init__(self, settings: Settings) -> None:
        self.by_address = TokenBuckets(settings.token_ip_burst, settings.token_ip_per_minute / 60.0)
        self.by_user = TokenBuckets(settings.token_user_failures, 1.0 / settings.token_user_refill_seconds)
        self.hashing = asyncio.Semaphore(settings.token_hash_concurrency)


class ClientGone(Exception):
    """The client closed its connection before its answer: nothing to answer, not a server error."""


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
    except ClientDisconnect:
        raise ClientGone from None
    return bytes(data)


def parse_json(body: bytes) -> Any:
    """The JSON document; ModelArts.4105 when the body is not JSON or nested too deep to parse.

    >>> parse_json(b"[" * 100_000 + b"]" * 100_000)
    Traceback (most recent call last):
    chile_id_ocr.api.errors.ApiError: invalid JSON: the body is nested too deep
    """
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError.of("ModelArts.4105", "the body is not valid JSON") from None
    except RecursionError:
        raise ApiError.of("ModelArts.4105", "the body is nested too deep") from None


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
    """Authenticate, read, validate, admit, fetch, recognize: the response body, or an ``ApiError``.

    A slot of the pool is taken only once the caller is authenticated and its whole body has arrived: a slow or
    unauthenticated sender holds at most a body reader (``readers``, far more of them), never a slot."""
    if uses_token(request):
        call.principal = await by_token(svc, request, project_id)
    else:  # signed: what can be checked without the body is checked before reading it
        await offload(
            svc.auth.precheck_signature,
            request.headers.get("authorization", ""),
            {k.lower(): v for k, v in request.headers.items()},
            datetime.now(UTC),
        )
    with svc.readers.hold():
        body = await read_body(request, svc.settings.max_body_bytes, svc.settings.body_timeout)
    if call.principal is None:
        call.principal = await by_signature(svc, request, project_id, body)
    card = ChileIdCardRequest.parse(await parse_json_off_loop(body))
    del body
    check_image_sizes(card)
    with svc.pool.slot():
        job = await build_job(svc, card)
        outcome = await until_disconnected(request, svc.pool.run(job))
    call.seconds = outcome.seconds
    svc.metrics.recognition.observe(outcome.seconds)
    if outcome.error is not None:
        raise ApiError(outcome.error["error_code"], outcome.error["error_msg"])
    response: dict[str, Any] = {"result": outcome.result}
    if card.details:
        response["details"] = outcome.details
    return response


def check_image_sizes(card: ChileIdCardRequest) -> None:
    """AIS.0103 for an image whose base64 is over the contract's 10 MB (the body may hold two images)."""
    for name, text in (("image", card.image), ("back_image", card.back_image)):
        if text and len(text) > IMAGE_LIMIT:
            raise ApiError.of("AIS.0103", f"the base64 of {name} is {len(text)} bytes, over 10 MB ({IMAGE_LIMIT})")


async def until_disconnected(request: Request, work: Coroutine[Any, Any, T]) -> T:
    """``work``'s result, or ``ClientGone`` as soon as the client closes its connection (``work`` is cancelled:
    a job waiting for a worker never runs, a running one's result is dropped, and the slot is freed now)."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        raise
    finally:
        watcher.cancel()
    if not task.done():
        task.cancel()
        raise ClientGone
    return task.result()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


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
_CARD_ERRORS = {
    **_error_responses(*(c for c in CODES if c != "APIG.0101")),
    503: {"model": ErrorResponse, "description": "AIS.0105: a recognition worker stopped; retry (Retry-After)"},
}
_USAGE_ERRORS = _error_responses(*_AUTH_CODES)


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
        redirect_slashes=False,  # never a redirect built from the request's Host (a client would re-send its body)
    )
    quiet_noisy_loggers()
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


async def tarpit(request: Request) -> None:
    """An address past its allowance of authentication failures waits ``auth_failure_delay`` seconds for each
    further refusal: a flooding client that waits for its answers then costs next to nothing (a sleeping
    coroutine), whatever it sends. Successful calls are never delayed."""
    svc = services_of(request)
    address = request.client.host if request.client else "-"
    if svc.failures.take(address) > 0:
        await asyncio.sleep(svc.settings.auth_failure_delay)


def _add_error_handlers(app: FastAPI) -> None:
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
        responses=_TOKEN_RESPONSES,
        summary="Get a token (password method, scoped to a project); it is in the X-Subject-Token header",
        tags=["identity"],
    )
    async def issue_token(request: Request) -> JSONResponse:
        svc = services_of(request)
        limits = svc.token_limits
        address = request.client.host if request.client else "-"
        wait = limits.by_address.take(address)
        if wait:
            raise ApiError.of("APIG.0308", "too many token requests from this address", retry_after=wait)
        try:
            body = await read_body(request, _SMALL_BODY, svc.settings.body_timeout)
            auth = TokenRequest.model_validate(parse_json(body)).auth
        except ApiError as err:
            raise IdentityError(400, err.error_msg) from None
        except (ValueError, RecursionError):
            raise IdentityError(400, "The request body is invalid.") from None
        if "password" not in auth.identity.methods:
            raise IdentityError(400, "Only the password method is supported.")
        user = auth.identity.password.user
        user_key = f"{user.domain.name.lower()}/{user.name.lower()}"
        wait = limits.by_user.wait(user_key)
        if wait:  # too many wrong passwords for this name lately (known or not: no hint either way)
            raise ApiError.of("APIG.0308", "too many failed attempts for this user", retry_after=wait)
        async with limits.hashing:
            found = await offload(svc.store.authenticate, user.name, user.domain.name, user.password)
        if found is None:
            limits.by_user.take(user_key)
            raise IdentityError(401, "The username or password is wrong.")
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

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus"}},
    )
    async def metrics(request: Request) -> Response:
        svc = services_of(request)
        return Response(svc.metrics.render(), media_type=svc.metrics.content_type)
