"""A batch job, as the data flows: sources -> (skip what OUT holds) -> engine -> sink, with progress and summary.

The sources are walked twice, never held: once to count the cards (and find any problem in the inputs before
anything is read), once to feed the engine. Records are written in input order (``order.InputOrder``, at most
``order_window`` cards ahead of the first one not yet written) or, with ``order="completion"``, as they come.
Ctrl-C or SIGTERM stops the engine at once; what was written stays written and the sink is closed properly, so
``--resume`` goes on from there (the outcomes still waiting for an earlier card are dropped: read again then, they
keep the resumed OUT in input order).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from chile_id_ocr.batch.local import run_local
from chile_id_ocr.batch.order import DEFAULT_WINDOW, InputOrder
from chile_id_ocr.batch.progress import DEFAULT_EVERY, Progress
from chile_id_ocr.batch.records import Item, Outcome
from chile_id_ocr.batch.sinks import format_of, open_sink, prior_ids
from chile_id_ocr.batch.sources import Sources
from chile_id_ocr.batch.summary import DEFAULT_THRESHOLD, Summary
from chile_id_ocr.batch.worker import DEFAULT_TIMEOUT, WorkerSettings

ENGINES = ("local", "ray")


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class Job:
    """What ``chile-id-ocr batch`` was asked (see its ``--help``)."""

    inputs: tuple[str, ...]
    out: str
    format: str | None = None
    details: bool = False
    crops: bool = False
    resume: bool = False
    overwrite: bool = False
    engine: str = "local"
    workers: int | None = None
    address: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    threshold: float = DEFAULT_THRESHOLD
    progress: str = "auto"
    progress_every: float = DEFAULT_EVERY
    allow_outside_paths: bool = False
    order: str = "input"
    order_window: int = DEFAULT_WINDOW
    connect_timeout: float | None = None  # Ray: None is $CHILE_ID_OCR_RAY_CONNECT_TIMEOUT or 30 s


def _outcomes(
    job: Job, items: Iterator[Item], total: int, room: Callable[[], bool] | None, progress: Progress, summary: Summary
) -> Generator[Outcome, None, None]:
    """The engine's outcomes (no engine at all when there is nothing to read, e.g. a finished job resumed)."""
    if total == 0:
        nothing: tuple[Outcome, ...] = ()
        return (outcome for outcome in nothing)
    settings = WorkerSettings(details=job.details or job.crops, timeout=job.timeout, crops=job.crops)
    if job.engine == "ray":
        from chile_id_ocr.batch.ray_engine import run_ray

        return run_ray(
            items, total, settings, job.workers, job.address, job.connect_timeout, progress.note, summary.engine_rows
        )
    return run_local(items, settings, job.workers or default_workers(), room)


def _in_order(outcomes: Iterable[Outcome], order: InputOrder | None) -> Iterator[Outcome]:
    """The engine's outcomes as they are to be written."""
    for outcome in outcomes:
        yield from (outcome,) if order is None else order.put(outcome)


@contextmanager
def _stoppable() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM stop the job (KeyboardInterrupt); the handlers are restored after.

    SIGINT gets a handler of its own rather than Python's default one: Python installs that only when SIGINT is
    not ignored at start-up, and a process started in the background by a non-interactive shell (``cmd &`` in a
    script, a CI step, a test runner started that way) inherits SIGINT ignored. The job would then run on to its
    end whatever the user sends it, against the exit status 130 that this command documents.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum: int, _frame: object) -> None:
        _hold_signals()  # stopping now: a second Ctrl-C must not interrupt the closing
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, stop), signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])


def _hold_signals() -> None:
    """While closing: a second Ctrl-C must not cut a Parquet part or a line in half."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _count(sources: Sources, done: set[str], summary: Summary) -> int:
    """Cards to read (walking the inputs finds their problems before anything is read); skipped ones counted."""
    total = 0
    for item in sources:
        if item.id in done:
            summary.skipped += 1
        else:
            total += 1
    return total


def _announce(job: Job, total: int, summary: Summary, stream: TextIO) -> None:
    workers = job.workers or ("one per cluster CPU" if job.engine == "ray" else default_workers())
    skipped = f" ({summary.skipped} already in {job.out})" if summary.skipped else ""
    stream.write(f"chile-id-ocr batch: {total} cards to read{skipped}, {job.engine} engine, workers: {workers}\n")
    stream.flush()


def run_job(job: Job, stderr: TextIO | None = None) -> Summary:
    """Run ``job``; the summary says what was written (``interrupted`` after Ctrl-C or SIGTERM).

    Raises ``SourceError``/``SinkError`` for bad inputs or OUT (before anything is written),
    ``WorkerStartError`` or ``RayUnavailableError`` when the engine cannot run.
    """
    stream = stderr if stderr is not None else sys.stderr
    fmt = format_of(job.out, job.format)
    sources = Sources(job.inputs, job.allow_outside_paths)
    done = prior_ids(job.out, fmt, resume=job.resume, overwrite=job.overwrite)
    summary = Summary(threshold=job.threshold)
    start = time.monotonic()
    with _stoppable():
        sink = progress = outcomes = None  # a stop may come at any point: close what was opened
        try:
            total = _count(sources, done, summary)
            if job.progress != "none":
                _announce(job, total, summary, stream)
            sink = open_sink(job.out, fmt, resume=job.resume, overwrite=job.overwrite)
            progress = Progress(total, job.progress, stream, job.progress_every)
            items = (item for item in sources if item.id not in done)
            workers = job.workers or default_workers()
            order = None if job.order == "completion" else InputOrder(items, max(job.order_window, workers))
            room = None if order is None else order.room
            outcomes = _outcomes(job, items if order is None else order.items(), total, room, progress, summary)
            for outcome in _in_order(outcomes, order):
                sink.write(outcome)
                summary.add(outcome)
                progress.update(outcome.error_code is not None)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            _hold_signals()
            for opened in (outcomes, progress, sink):
                if opened is not None:
                    opened.close()
            summary.seconds = time.monotonic() - start
    return summary
