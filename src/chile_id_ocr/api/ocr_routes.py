"""The OCR routes: ``POST /v2/{project_id}/ocr/chile-id-card`` (the contract; the call itself is in
:mod:`chile_id_ocr.api.card_call`) and ``GET /v2/{project_id}/ocr/usage``, and the usage counters each call
adds to."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from chile_id_ocr.api.authenticate import by_signature, by_token, uses_token
from chile_id_ocr.api.card_call import Call, recognize_card
from chile_id_ocr.api.errors import CODES, ApiError
from chile_id_ocr.api.incoming import SMALL_BODY, read_body
from chile_id_ocr.api.openapi import error_responses, request_body
from chile_id_ocr.api.schemas import ChileIdCardRequest, ChileIdCardResponse, ErrorResponse, UsageResponse
from chile_id_ocr.api.services import Services, offload, services_of

_CARD_ROUTE = "/v2/{project_id}/ocr/chile-id-card"

_AUTH_CODES = ("ModelArts.4101", "ModelArts.4102", "ModelArts.0203", "APIG.0301", "ModelArts.4204")
_CARD_ERRORS = {
    **error_responses(*(c for c in CODES if c != "APIG.0101")),
    503: {"model": ErrorResponse, "description": "AIS.0105: a recognition worker stopped; retry (Retry-After)"},
}
_USAGE_ERRORS = error_responses(*_AUTH_CODES)


def add_card_routes(app: FastAPI) -> None:
    @app.post(
        _CARD_ROUTE,
        response_model=ChileIdCardResponse,
        response_model_exclude_none=True,
        responses=_CARD_ERRORS,
        openapi_extra=request_body(ChileIdCardRequest),
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
            body = await read_body(request, SMALL_BODY, svc.settings.body_timeout)
            await by_signature(svc, request, project_id, body)
        await svc.settle()
        return JSONResponse((await offload(svc.store.usage, project_id)).to_dict())


async def record_usage(svc: Services, project_id: str, call: Call) -> None:
    try:
        await offload(svc.store.add_usage, project_id, call.outcome, round(call.seconds * 1000))
    except Exception:  # a counter must never fail the call it counts
        logging.getLogger("chile_id_ocr.usage").exception("cannot record usage")
