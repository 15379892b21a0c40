"""What arrives from a client: its body, read under a size and a time limit, and its JSON; and
:class:`ClientGone` when it leaves before its answer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import Request
from starlette.requests import ClientDisconnect

from chile_id_ocr.api.errors import ApiError
from chile_id_ocr.api.services import offload

SMALL_BODY = 64 * 1024
_OFFLOAD_BYTES = 512 * 1024  # bodies past this are parsed and hashed in a thread, off the event loop


class ClientGone(Exception):
    """The client closed its connection before its answer: nothing to answer, not a server error."""


async def read_body(request: Request, limit: int, timeout: float, min_rate: float = 0.0, grace: float = 0.0) -> bytes:
    """The body, read chunk by chunk; ModelArts.4104 as soon as it is over ``limit`` (never buffered further),
    AIS.0101 when it has not all arrived within ``timeout`` seconds, or when, ``grace`` seconds after it began,
    it arrives slower than ``min_rate`` bytes a second on average (a slow client holds its body reader for
    seconds, not for the whole timeout)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError.of("ModelArts.4104", f"the body is over {limit} bytes")
    data = bytearray()
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(_deadline(start, timeout, min_rate, grace, 0)) as deadline:
            async for chunk in request.stream():
                data += chunk
                if len(data) > limit:
                    raise ApiError.of("ModelArts.4104", f"the body is over {limit} bytes")
                deadline.reschedule(_deadline(start, timeout, min_rate, grace, len(data)))
    except TimeoutError:
        if loop.time() - start < timeout - 0.001:
            reason = f"the request body arrived slower than {min_rate:g} bytes a second"
        else:
            reason = f"the request body did not arrive within {timeout:g} s"
        raise ApiError.of("AIS.0101", reason) from None
    except ClientDisconnect:
        raise ClientGone from None
    return bytes(data)


def _deadline(start: float, timeout: float, min_rate: float, grace: float, received: int) -> float:
    """When the body is late: at ``start + timeout``, or once ``received`` bytes fall below ``min_rate`` a second
    since ``start`` (after ``grace`` seconds).

    >>> _deadline(100.0, 30.0, 1000.0, 5.0, 0), _deadline(100.0, 30.0, 1000.0, 5.0, 8000)
    (105.0, 108.0)
    >>> _deadline(100.0, 30.0, 0, 5.0, 1)
    130.0
    """
    if min_rate <= 0:
        return start + timeout
    return start + min(timeout, max(grace, received / min_rate))


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
