"""One call of the card endpoint, from request to response body: authenticate, read the body, validate,
admit (a slot of the recognition pool, only once all that is done), fetch the images by URL, recognize, and
give up as soon as the client leaves. :class:`Call` is what the usage counters learn of it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import Request

from chile_id_ocr.api.auth import Principal, parse_authorization
from chile_id_ocr.api.authenticate import by_signature, by_token, uses_token
from chile_id_ocr.api.errors import ApiError
from chile_id_ocr.api.fairness import Ticket
from chile_id_ocr.api.fetch import fetch_image
from chile_id_ocr.api.incoming import ClientGone, parse_json_off_loop, read_body
from chile_id_ocr.api.recapture import flag_capture
from chile_id_ocr.api.schemas import ChileIdCardRequest
from chile_id_ocr.api.services import Services, offload
from chile_id_ocr.api.settings import IMAGE_LIMIT
from chile_id_ocr.api.workers import Job, Outcome
from chile_id_ocr.store.repo import SUCCESS

T = TypeVar("T")


@dataclass
class Call:
    """What the usage counters learn about one call: who (once authenticated), outcome, recognition time."""

    principal: Principal | None = None
    outcome: str = SUCCESS
    seconds: float = 0.0


async def recognize_card(svc: Services, request: Request, project_id: str, call: Call) -> dict[str, Any]:
    """Authenticate, read, validate, admit, fetch, recognize: the response body, or an ``ApiError``.

    A place in the fair scheduler (``api/fairness.py``) is taken only once the caller is authenticated and its
    whole body has arrived: a slow or unauthenticated sender holds at most a body reader (``readers``: far more
    of them, a few per client, each cut when its body comes slower than ``body_min_rate``), never a place."""
    if uses_token(request):
        call.principal = await by_token(svc, request, project_id)
        reader_key = f"project {call.principal.project.id}"
    else:  # signed: what can be checked without the body is checked before reading it
        authorization = request.headers.get("authorization", "")
        headers = {k.lower(): v for k, v in request.headers.items()}
        await offload(svc.auth.precheck_signature, authorization, headers, datetime.now(UTC))
        # Not verified until the body has come: counted per access key and network, so that a sender who knows
        # an AK but not its SK cannot use up that key's readers for its owner elsewhere.
        reader_key = f"ak {parse_authorization(authorization).ak} {svc.token_limits.network(request)}"
    settings = svc.settings
    with svc.readers.hold(reader_key):
        body = await read_body(
            request, settings.max_body_bytes, settings.body_timeout, settings.body_min_rate, settings.body_rate_grace
        )
    if call.principal is None:
        call.principal = await by_signature(svc, request, project_id, body)
    card = ChileIdCardRequest.parse(await parse_json_off_loop(body))
    del body
    check_image_sizes(card)
    with svc.fair.admit(call.principal.project.id) as ticket:
        job = await build_job(svc, card)
        outcome = await until_disconnected(request, _in_turn(svc, ticket, job))
    call.seconds = outcome.seconds
    svc.metrics.recognition.observe(outcome.seconds)
    if outcome.error is not None:
        raise ApiError(outcome.error["error_code"], outcome.error["error_msg"])
    response: dict[str, Any] = {"result": outcome.result}
    if card.details or card.crops:
        response["details"] = flag_capture(outcome.details, svc.settings.recapture_threshold)
    return response


async def _in_turn(svc: Services, ticket: Ticket, job: Job) -> Outcome:
    async with svc.fair.turn(ticket):
        return await svc.pool.run(job)


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
        image_b64=_ascii(card.image),
        image=image,
        back_b64=_ascii(card.back_image),
        back=back,
        details=card.details or card.crops,
        crops=card.crops,
    )


def _ascii(text: str | None) -> bytes | None:
    """Base64 text as bytes (a worker receives bytes twice as fast as text); AIS.0102 when not ASCII."""
    if not text:
        return None
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        raise ApiError.of("AIS.0102", "the image is not valid base64") from None
