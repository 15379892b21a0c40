"""What the routes share, built once per app (:func:`build_services`) and kept on ``app.state.services``; and
:func:`offload`, which runs blocking work (the database, password hashing, signatures) in a thread."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from anyio import to_thread
from fastapi import Request

from chile_id_ocr.api.auth import Authenticator, TokenCodec
from chile_id_ocr.api.fairness import FairScheduler
from chile_id_ocr.api.fetch import FetchPolicy
from chile_id_ocr.api.limits import Gate, TokenBuckets, client_network
from chile_id_ocr.api.metrics import Metrics
from chile_id_ocr.api.settings import Settings
from chile_id_ocr.api.workers import RecognitionPool
from chile_id_ocr.store.repo import Store

T = TypeVar("T")


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
    fair: FairScheduler
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
            settings.workers,
            settings.admission_limit(),
            settings.max_pixels,
            settings.job_cpu_seconds,
            settings.worker_memory_mb,
            settings.max_decode_mb,
        ),
        metrics=Metrics(),
        fetch_policy=policy,
        readers=Gate(
            settings.body_reader_limit(),
            "too many request bodies being received, retry later",
            per_key=settings.client_readers_limit(),
        ),
        token_limits=TokenLimits(settings),
        failures=TokenBuckets(settings.auth_failure_burst, settings.auth_failure_per_second),
        fair=FairScheduler(settings.workers, settings.admission_limit()),
    )


@dataclass
class TokenLimits:
    """``/v3/auth/tokens``: a bucket per client network (every request); failed passwords counted per user and
    network (past the allowance, that network waits) and per user across networks (past a larger allowance,
    only the networks the user has signed in from lately are let through, so rotating addresses gets a guesser
    nowhere while the real user still gets in); at most ``token_hash_concurrency`` password verifications at
    once (argon2 is slow on purpose)."""

    by_address: TokenBuckets
    by_user_network: TokenBuckets
    by_user: TokenBuckets
    trusted: OrderedDict[str, None]
    hashing: asyncio.Semaphore
    prefixes: tuple[int, int]

    def __init__(self, settings: Settings) -> None:
        refill = 1.0 / settings.token_user_refill_seconds
        self.by_address = TokenBuckets(settings.token_ip_burst, settings.token_ip_per_minute / 60.0)
        self.by_user_network = TokenBuckets(settings.token_user_failures, refill)
        self.by_user = TokenBuckets(settings.token_user_total_failures, refill)
        self.trusted = OrderedDict()
        self.hashing = asyncio.Semaphore(settings.token_hash_concurrency)
        self.prefixes = (settings.limit_prefix_v4, settings.limit_prefix_v6)

    def network(self, request: Request) -> str:
        return client_network(request.client.host if request.client else "-", *self.prefixes)

    def is_trusted(self, user_key: str, network: str) -> bool:
        return f"{user_key} {network}" in self.trusted

    def trust(self, user_key: str, network: str, max_entries: int = 100_000) -> None:
        """Remember that ``user_key`` signed in from ``network`` (the least recently used forgotten first)."""
        self.trusted[f"{user_key} {network}"] = None
        self.trusted.move_to_end(f"{user_key} {network}")
        while len(self.trusted) > max_entries:
            self.trusted.popitem(last=False)


async def offload(func: Callable[..., T], *args: Any) -> T:
    return await to_thread.run_sync(func, *args)


def services_of(request: Request) -> Services:
    return request.app.state.services
