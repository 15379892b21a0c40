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

import ipaddress
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
    """At most ``limit`` holders at once, and at most ``per_key`` of them with one key; beyond, APIG.0308 (429)
    at once.

    >>> gate = Gate(3, "busy", per_key=1)
    >>> with gate.hold("a"), gate.hold("b"):
    ...     gate.held
    2
    >>> with gate.hold("a"), gate.hold("a"):
    ...     pass
    Traceback (most recent call last):
    chile_id_ocr.api.errors.ApiError: rate limit: busy
    """

    def __init__(self, limit: int, reason: str, per_key: int | None = None) -> None:
        self.limit = limit
        self.reason = reason
        self.per_key = per_key or limit
        self.held = 0
        self.by_key: dict[str, int] = {}

    @contextmanager
    def hold(self, key: str = "") -> Iterator[None]:
        mine = self.by_key.get(key, 0)
        if self.held >= self.limit or mine >= self.per_key:
            raise ApiError.of("APIG.0308", self.reason)
        self.held += 1
        self.by_key[key] = mine + 1
        try:
            yield
        finally:
            self.held -= 1
            self.by_key[key] -= 1
            if not self.by_key[key]:
                del self.by_key[key]


def ip_of(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``text`` names (a zone index dropped, an IPv4-mapped IPv6 address as IPv4); None if none.

    >>> ip_of("::ffff:127.0.0.1"), ip_of("fe80::1%eth0"), ip_of("localhost")
    (IPv4Address('127.0.0.1'), IPv6Address('fe80::1'), None)
    """
    try:
        ip = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_network(address: str, v4_prefix: int = 24, v6_prefix: int = 64) -> str:
    """The network a client address is counted in by the per-address limits: its ``/v4_prefix`` (IPv4) or
    ``/v6_prefix`` (IPv6), so that one host rotating through the addresses it holds (an IPv6 /64, loopback's
    addresses) is one client. An address that is not an IP address is its own key.

    >>> client_network("203.0.113.7"), client_network("2001:db8::1:2"), client_network("::ffff:10.1.2.3")
    ('203.0.113.0/24', '2001:db8::/64', '10.1.2.0/24')
    >>> client_network("testclient")
    'testclient'
    """
    ip = ip_of(address)
    if ip is None:
        return address
    prefix = v4_prefix if ip.version == 4 else v6_prefix
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
