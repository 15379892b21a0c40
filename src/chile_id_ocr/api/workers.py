"""Recognition in a bounded pool of worker processes, admission control in front of it.

Each worker is a spawned process with one thread that loads the models once (its initializer). The event loop
awaits jobs with ``run_in_executor`` and never runs recognition itself; base64 decoding happens in the worker too.
Admission (at most ``limit`` requests at once, a fair share per project) is ``api/fairness.py``'s: it submits
at most one job per worker at a time.

Budgets: each job may use ``cpu_seconds`` of CPU time in its worker (``ITIMER_PROF``; over it, AIS.0105), and
decoding refuses, from the header, images over ``max_pixels`` or whose decoding would take over ``decode_mb`` or
too much work (``vision/decode.py``, AIS.0103); each worker's data is capped at ``memory_mb`` (``api/ceiling.py``:
a job past it answers AIS.0105 and the worker serves on). A worker that dies answers the requests it had with 503
and Retry-After (AIS.0105): retrying is safe.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ctypes
import inspect
import multiprocessing
import os
import re
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from chile_id_ocr.api import ceiling
from chile_id_ocr.api.errors import ApiError
from chile_id_ocr.errors import InternalRecognitionError, RecognitionError, UnsupportedFormatError

_DATA_URI = re.compile(rb"^data:[\w/+.-]*;base64,", re.I)


@dataclass(frozen=True)
class Job:
    """One recognition: the front (base64 text or downloaded bytes), optionally the back, and options."""

    image_b64: bytes | None = None  # bytes, not str: half the cost to send to a worker
    image: bytes | None = None
    back_b64: bytes | None = None
    back: bytes | None = None
    details: bool = False
    crops: bool = False  # the front's pictures in the details (never logged)


@dataclass(frozen=True)
class Outcome:
    """What a worker answers: the contract's result (and details), or an error, and the time it took."""

    result: dict[str, Any] | None = None
    details: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    seconds: float = 0.0


def decode_base64(text: bytes) -> bytes:
    """The bytes of a base64 image (a ``data:`` prefix and line breaks are tolerated); AIS.0102 when invalid.

    >>> decode_base64(b"data:image/png;base64,QUJD\\nREVG")
    b'ABCDEF'
    """
    payload = _DATA_URI.sub(b"", text, count=1)
    for attempt in (payload, b"".join(payload.split())):  # line breaks are rare: removed only when needed
        try:
            return base64.b64decode(attempt, validate=True)
        except (binascii.Error, ValueError):
            continue
    raise UnsupportedFormatError("the image is not valid base64")


class JobBudgetExceeded(BaseException):
    """Raised in a worker when its job has used up its CPU-time budget (not an ``Exception``: no ``except
    Exception`` of the pipeline may swallow it)."""


_budget_seconds = 20.0


def _over_budget(_signum: int, _frame: object) -> None:
    raise JobBudgetExceeded


def init_worker(
    max_pixels: int | None = None,
    cpu_seconds: float | None = None,
    memory_mb: int | None = None,
    decode_mb: int | None = None,
) -> None:
    """Worker initializer: one thread, Ctrl-C left to the parent, the budgets, models loaded now rather than on
    first job, then the memory ceiling (``api/ceiling.py``; None or 0: none)."""
    global _budget_seconds
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["CHILE_ID_OCR_THREADS"] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGPROF, _over_budget)
    if cpu_seconds is not None:
        _budget_seconds = cpu_seconds
    from chile_id_ocr.vision import decode

    if max_pixels is not None:
        decode.MAX_PIXELS = max_pixels
    if decode_mb is not None:
        decode.MAX_DECODE_BYTES = decode_mb * decode.MB
    ceiling.preload()
    if memory_mb:
        ceiling.set_ceiling(memory_mb)


def warm() -> int:
    return os.getpid()


def run_job(job: Job) -> Outcome:
    """Runs in a worker: decode, recognize, and turn every failure into a contract error."""
    from chile_id_ocr.pipeline import recognize  # the worker's, imported once per process

    start = time.perf_counter()
    ceiling.cpu_backstop(_budget_seconds)
    signal.setitimer(signal.ITIMER_PROF, _budget_seconds)
    try:
        return _run(job, recognize, start)
    except JobBudgetExceeded:
        error = InternalRecognitionError(f"the recognition used up its budget of {_budget_seconds:g} s of CPU time")
        return Outcome(error=error.to_api(), seconds=time.perf_counter() - start)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        _give_memory_back()


def _give_memory_back() -> None:
    """Return the heap a job freed to the system (glibc keeps it otherwise: a worker that once read a large
    image would stay large); a few milliseconds."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6")
        except OSError:
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


_libc: Any = None


def _run(job: Job, recognize: Any, start: float) -> Outcome:
    try:
        image = job.image if job.image is not None else decode_base64(job.image_b64 or b"")
        kwargs: dict[str, Any] = {}
        back = job.back if job.back is not None else decode_base64(job.back_b64) if job.back_b64 else None
        if back is not None:
            if "back" not in inspect.signature(recognize).parameters:
                error = ApiError.of("AIS.0101", "two-sided recognition (back_image, back_url) is not available yet")
                return Outcome(error=error.to_api(), seconds=time.perf_counter() - start)
            kwargs["back"] = back
        if job.crops:
            kwargs["crops"] = True
        recognition = recognize(image, details=job.details, **kwargs)
        details = recognition.details() if job.details else None
        return Outcome(recognition.to_api(), details, None, time.perf_counter() - start)
    except RecognitionError as err:
        return Outcome(error=ceiling.explain(err).to_api(), seconds=time.perf_counter() - start)
    except Exception as exc:
        internal = ceiling.explain(InternalRecognitionError(f"unexpected {type(exc).__name__}"), exc)
        return Outcome(error=internal.to_api(), seconds=time.perf_counter() - start)


class RecognitionPool:
    """``workers`` processes behind an admission limit of ``limit`` requests."""

    def __init__(
        self,
        workers: int,
        limit: int,
        max_pixels: int | None = None,
        cpu_seconds: float | None = None,
        memory_mb: int | None = None,
        decode_mb: int | None = None,
    ):
        self.workers = workers
        self.limit = limit
        self.budgets = (max_pixels, cpu_seconds, memory_mb, decode_mb)
        self.submitted = 0
        self.ready = False
        self._executor: ProcessPoolExecutor | None = None

    def _new_executor(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=init_worker, initargs=self.budgets)

    async def start(self) -> None:
        """Start the workers and wait until each has loaded its models."""
        self._executor = self._new_executor()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._executor, warm) for _ in range(self.workers)))
        self.ready = True

    def shutdown(self) -> None:
        self.ready = False
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (for operators and tests)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    def in_flight(self) -> int:
        return min(self.submitted, self.workers)

    def queue_depth(self) -> int:
        return max(0, self.submitted - self.workers)

    async def run(self, job: Job) -> Outcome:
        """Recognize in a worker; a worker that dies (killed, out of memory) gives AIS.0105 with HTTP 503 and
        Retry-After, and a fresh pool. Cancelled (the client went away): a job still waiting for a worker never
        runs, a running one finishes and its result is dropped."""
        executor = self._executor
        if executor is None:
            raise RuntimeError("the recognition pool is not started")
        self.submitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, run_job, job)
        except JobBudgetExceeded:  # the timer fired as the job ended: the budget was used up all the same
            error = InternalRecognitionError(f"the recognition used up its CPU-time budget ({self.budgets[1]} s)")
            return Outcome(error=error.to_api())
        except BrokenProcessPool:
            self._replace(executor)
            raise ApiError.of("AIS.0105", "a recognition worker stopped, retry", status=503, retry_after=2) from None
        finally:
            self.submitted -= 1

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is broken:
            self._executor = self._new_executor()
            broken.shutdown(wait=False, cancel_futures=True)
