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
