"""The connection edge, below the application: uvicorn's httptools protocol with limits on what a connection may
hold before the application sees a request.

- **Request heads**: at most ``max_header_bytes`` (request line and headers together) and ``max_headers``
  headers; past either, 431 with the contract's shape (AIS.0101) and the connection closed. The bytes of a head
  still arriving are counted as they arrive, so a head of any size costs at most the limit plus one read.
- **Idle connections**: a connection must send a complete request head within ``header_timeout`` seconds of
  opening, or of its previous answer (keep-alive); otherwise it is closed.
- **Connections**: at most ``max_connections`` at once. A new connection past the limit closes the connection
  that has been idle longest (no request in progress: never answered a request, or waiting between requests);
  only when none is idle is the new one closed. So a flood of idle connections cannot hold every file
  descriptor: legitimate requests, which are busy, are kept.

:func:`raise_open_file_limit` raises the process's soft limit on open files to its hard limit, and
:func:`connection_budget` derives the connection limit and the listen backlog from it.
"""

from __future__ import annotations

import asyncio
import json
import resource
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from chile_id_ocr.api.errors import ApiError

_LINGER_BYTES = 1024 * 1024
_RESERVED_FILES = 128  # descriptors kept for everything but client connections: database, workers' pipes, logs


@dataclass
class EdgeLimits:
    max_header_bytes: int
    max_headers: int
    header_timeout: float
    max_connections: int
    counts: dict[str, int] = field(default_factory=lambda: {"shed": 0, "timed_out": 0, "refused_heads": 0})


def raise_open_file_limit() -> int:
    """Raise the soft limit on open files to the hard limit (where allowed); the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def connection_budget(open_files: int, configured: int | None = None) -> tuple[int, int]:
    """(connection limit, listen backlog) for a process that may open ``open_files`` descriptors.

    The event loop accepts up to ``backlog`` connections at once before the limit is applied to them, so the
    limit leaves room for a whole backlog on top of the reserved descriptors.

    >>> connection_budget(1024), connection_budget(20000), connection_budget(20000, 500)
    ((768, 128), (17824, 2048), (500, 2048))
    """
    backlog = max(64, min(2048, open_files // 8))
    derived = max(16, open_files - _RESERVED_FILES - backlog)
    return (min(configured, derived) if configured else derived), backlog


def _refusal(status: int, reason: str) -> bytes:
    body = json.dumps(ApiError.of("AIS.0101", reason).to_api()).encode()
    phrase = {431: "Request Header Fields Too Large", 503: "Service Unavailable"}[status]
    head = (
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class _HeadTooLarge(Exception):
    pass


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above (see :func:`guarded_protocol`)."""

    limits: EdgeLimits
    idle: OrderedDict[GuardedHttpToolsProtocol, None]
    live: list[int]  # [connections counted against the limit], shared by the class's instances

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0  # bytes received since the current head began (coarse: counted per read)
        self._head_fields = 0  # name and value lengths of the current head, and the URL (exact)
        self._head_count = 0
        self._awaiting_head = True
        self._refused: str | None = None
        self._counted = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._lingering: int | None = None  # bytes still read and dropped after a 431

    # --- connections and idleness ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._counted = True
        self.live[0] += 1
        self._expect_head()
        self._become_idle()
        while self.live[0] > self.limits.max_connections:
            victim = next(iter(self.idle), None)
            if victim is None or victim is self:
                self._drop()  # nothing idle to shed but this newcomer
                break
            victim._drop()
            self.limits.counts["shed"] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self._uncount()
        super().connection_lost(exc)

    def _uncount(self) -> None:
        self.idle.pop(self, None)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        if self._counted:
            self._counted = False
            self.live[0] -= 1

    def _drop(self) -> None:
        """Close now, and stop counting this connection (its ``connection_lost`` comes later)."""
        self._uncount()
        self.transport.abort()

    def _expect_head(self) -> None:
        """The previous request (if any) has been received whole: what comes next is a new head."""
        self._awaiting_head = True
        self._head_bytes = self._head_fields = self._head_count = 0

    def _become_idle(self) -> None:
        """No request in progress: first in line to be shed, and closed unless a head comes in time."""
        self.idle[self] = None
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _head_timed_out(self) -> None:
        """No head (or, after an early answer, not the rest of the body) within ``header_timeout``."""
        self._head_timer = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.limits.counts["timed_out"] += 1
            self._drop()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._expect_head()
        if self.cycle.response_complete and not self.pipeline and not self.transport.is_closing():
            self._become_idle()  # answered before its body had all come (an early refusal): idle now

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing() or self.pipeline or not self.cycle.response_complete:
            return
        if self._awaiting_head:
            self._become_idle()
        else:  # answered before the body had all come: the rest of it must come in time too
            self._arm_head_timer()

    # --- request heads ------------------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._lingering is not None:  # refused: what the client still sends is read and dropped
            self._lingering -= len(data)
            if self._lingering < 0:
                self._drop()
            return
        if self._awaiting_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._awaiting_head and self._head_bytes > self.limits.max_header_bytes and not self._refused:
            self._refuse(f"the request's headers are over {self.limits.max_header_bytes} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_fields = self._head_count = 0

    def on_url(self, url: bytes) -> None:
        self._add_to_head(len(url), 0)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._add_to_head(len(name) + len(value) + 4, 1)
        super().on_header(name, value)

    def _add_to_head(self, size: int, count: int) -> None:
        self._head_fields += size
        self._head_count += count
        if self._head_count > self.limits.max_headers:
            self._refused = f"the request has more than {self.limits.max_headers} headers"
        elif self._head_fields > self.limits.max_header_bytes:
            self._refused = f"the request's headers are over {self.limits.max_header_bytes} bytes"
        if self._refused:
            raise _HeadTooLarge  # stops the parser; data_received answers 431 (send_400_response below)

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self.idle.pop(self, None)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._refused:
            self._refuse(self._refused)
        else:
            super().send_400_response(msg)

    def _refuse(self, reason: str) -> None:
        self._refused = reason
        self.limits.counts["refused_heads"] += 1
        self.idle.pop(self, None)
        self._awaiting_head = False
        if self.transport.is_closing():
            return
        self.transport.write(_refusal(431, reason))
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        # A lingering close: the answer is sent and the sending side shut, then what the client still sends
        # is read and dropped for a second (up to the head limit again) before the connection is closed;
        # closing at once with unread data would reset the connection and could destroy the answer.
        self.transport.write_eof()
        self._lingering = self.limits.max_header_bytes + _LINGER_BYTES
        self.loop.call_later(1.0, self._drop)


def guarded_protocol(limits: EdgeLimits) -> type[GuardedHttpToolsProtocol]:
    """A protocol class for one server (``uvicorn.Config(http=...)``), with its own limits and counters."""
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"limits": limits, "idle": OrderedDict(), "live": [0]},
    )
