"""Access log and request metrics, as a plain ASGI middleware.

One line per request: request id, project, method, route template, status, error code and latency, as
``key=value`` pairs whose values are escaped (``api/logs.py``: a project id from the path cannot forge a line).
Never the body, the image, a URL or its query string, a name or a RUN: handlers only put ``project`` and
``error_code`` into the request's state, and the route is logged as its template. A client that went away before
its answer is logged (and counted) with status 499, not as a server error.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chile_id_ocr.api.logs import kv
from chile_id_ocr.api.metrics import Metrics

logger = logging.getLogger("chile_id_ocr.access")


class AccessLog:
    def __init__(self, app: ASGIApp, metrics: Metrics, enabled: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-Id", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, state, status, time.perf_counter() - start)

    def _record(self, scope: Scope, state: dict[str, Any], status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", "other")
        error_code = str(state.get("error_code", ""))
        self.metrics.observe_request(route, status, error_code, seconds)
        if self.enabled:
            line = kv(
                request_id=state["request_id"],
                project=state.get("project"),
                method=scope.get("method"),
                route=route,
                status=status,
                error_code=error_code,
                latency_ms=f"{seconds * 1000.0:.1f}",
            )
            logger.info("%s", line, extra={"structured": True})
