"""Limits of the HTTP edge: token buckets by key (client address, user name) and counting gates.

Everything here runs on the event loop (no locks needed) and is in memory: limits are per instance.

>>> buckets = TokenBuckets(capacity=2, per_second=0.5)
>>> buckets.take("a", now=0.0), buckets.take("a", now=0.0), buckets.take("a", now=0.0)
(0.0, 0.0, 2.0)
>>> buckets.take("a", now=2.0), buckets.take("b", now=2.0)
(0.0, 0.0)
>>> buckets.wait("a", now=2.0)
2.0
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from chile_id_ocr.api.errors import ApiError


class TokenBuckets:
    """One bucket of ``capacity`` tokens per key, refilled at ``per_second``; at most ``max_keys`` kept (the
    least recently used forgotten first: a forgotten key starts full, which only ever errs on the lenient side
    for keys not seen for long)."""

    def __init__(self, capacity: float, per_second: float, max_keys: int = 100_000) -> None:
        self.capacity = float(capacity)
        self.per_second = float(per_second)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - at) * self.per_second)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` has a token (0 when it has one now); takes nothing."""
        now = time.monotonic() if now is None else now
        level = self._level(key, now)
        if level >= 1.0:
            return 0.0
        return (1.0 - level) / self.per_second if self.per_second > 0 else float("inf")

    def take(self, key: str, now: float | None = None) -> float:
        """Take a token from ``key``'s bucket: 0 when taken, else the seconds to wait (nothing taken)."""
        now = time.monotonic() if now is None else now
        level = self._level(key, now)
        if level < 1.0:
            return (1.0 - level) / self.per_second if self.per_second > 0 else float("inf")
        self._buckets[key] = (level - 1.0, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return 0.0


class Gate:
    """At most ``limit`` holders at once; beyond, APIG.0308 (429) at once.

    >>> gate = Gate(1, "busy")
    >>> with gate.hold():
    ...     gate.held
    1
    """

    def __init__(self, limit: int, reason: str) -> None:
        self.limit = limit
        self.reason = reason
        self.held = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        if self.held >= self.limit:
            raise ApiError.of("APIG.0308", self.reason)
        self.held += 1
        try:
            yield
        finally:
            self.held -= 1
