"""Structured log lines: ``key=value`` pairs, every value escaped, one line per record whatever it holds.

A value made only of safe characters is written as is; any other is written as a JSON string with every
non-ASCII and control character escaped, so a value can never break a line (CR, LF), end it early (NUL) or
forge another key (space, ``=``, quotes).

>>> kv(project="a\\nINJECTED status=200", status=200, route="/v2/{project_id}/ocr/chile-id-card")
'project="a\\\\nINJECTED status=200" status=200 route=/v2/{project_id}/ocr/chile-id-card'
>>> kv(error_code="", empty=None)
'error_code=- empty=-'
>>> escape("x\\x00y")
'"x\\\\u0000y"'
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

_SAFE = re.compile(r"[A-Za-z0-9._:/{}@+\-]+")
# Loggers whose INFO lines would carry what must not be logged (httpx writes each fetched URL, query included).
QUIET_LOGGERS = ("httpx", "httpcore", "hpack", "urllib3")


def escape(value: Any) -> str:
    """``value`` as one log token: as is when safe, else a JSON string (ASCII only, control characters escaped)."""
    text = "-" if value is None or value == "" else str(value)
    return text if _SAFE.fullmatch(text) else json.dumps(text, ensure_ascii=True)


def kv(**fields: Any) -> str:
    """``key=value`` pairs in the given order, each value escaped."""
    return " ".join(f"{key}={escape(value)}" for key, value in fields.items())


class KeyValueFormatter(logging.Formatter):
    """``ts=... level=... logger=...`` then the record: a structured record's message (already ``key=value``,
    marked by ``extra={"structured": True}``) as is, any other as an escaped ``msg=``, a traceback as an escaped
    ``exc=`` (on the same line)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        head = kv(ts=stamp, level=record.levelname, logger=record.name)
        message = record.getMessage()
        body = message if getattr(record, "structured", False) else kv(msg=message)
        if record.exc_info:
            body += " " + kv(exc=self.formatException(record.exc_info))
        elif record.exc_text:
            body += " " + kv(exc=record.exc_text)
        return f"{head} {body}"


def quiet_noisy_loggers() -> None:
    """Raise the level of the HTTP client libraries' loggers to WARNING: their INFO lines name URLs in full."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


class RateLimitFilter(logging.Filter):
    """At most ``per_minute`` records a minute pass; the first one after a suppression says how many were
    dropped. Put on loggers that a flood can make write a line per connection (``asyncio``'s accept errors
    when file descriptors run out, uvicorn's invalid requests).

    >>> f = RateLimitFilter(2)
    >>> [f.filter(logging.makeLogRecord({"msg": "x"})) for _ in range(4)]
    [True, True, False, False]
    >>> f.window -= 60
    >>> record = logging.makeLogRecord({"msg": "x"})
    >>> f.filter(record), record.getMessage()
    (True, 'x (2 similar records suppressed in the last minute)')
    """

    def __init__(self, per_minute: int) -> None:
        super().__init__()
        self.per_minute = per_minute
        self.window = time.monotonic()
        self.passed = 0
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self.window >= 60.0:
            self.window, self.passed = now, 0
            if self.dropped:
                record.msg = f"{record.getMessage()} ({self.dropped} similar records suppressed in the last minute)"
                record.args = ()
                self.dropped = 0
        if self.passed >= self.per_minute:
            self.dropped += 1
            return False
        self.passed += 1
        return True


RATE_LIMITED_LOGGERS = ("asyncio", "uvicorn.error")


def rate_limit_noisy_loggers(per_minute: int) -> None:
    """A :class:`RateLimitFilter` on each of ``RATE_LIMITED_LOGGERS`` (replacing one put there before)."""
    for name in RATE_LIMITED_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RateLimitFilter)]:
            logger.removeFilter(old)
        logger.addFilter(RateLimitFilter(per_minute))


def configure_logging(level: int = logging.INFO) -> None:
    """The root logger writes structured lines to stderr; uvicorn's loggers go through it too."""
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    quiet_noisy_loggers()
