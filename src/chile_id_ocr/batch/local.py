"""The local engine: ``workers`` recognition processes on this machine, one card in flight in each.

Cards are taken from the source only when a worker is free (and ``room()`` allows it: see ``order``), so at
most ``workers`` cards are in memory whatever the size of the job; outcomes come back in the order they finish.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Generator, Iterable, Iterator

from chile_id_ocr.batch.records import Item, Outcome
from chile_id_ocr.batch.worker import WorkerProcess, WorkerSettings


def run_local(
    items: Iterable[Item], settings: WorkerSettings, workers: int, room: Callable[[], bool] | None = None
) -> Generator[Outcome, None, None]:
    """Outcomes of ``items`` read by a pool of ``workers`` processes (each loads the models once); a card is
    taken only while ``room()`` says so (it must, whenever no card is in flight)."""
    pool = [WorkerProcess(settings) for _ in range(max(1, workers))]
    try:
        for worker in pool:
            worker.start()
        for worker in pool:
            worker.wait_ready()
        pending: Iterator[Item] | None = iter(items)
        while True:
            pending = _feed(pool, pending, room)
            busy = [worker for worker in pool if worker.item is not None]
            if not busy:
                return
            wait = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            readable = set(select.select(busy, [], [], wait)[0])
            now = time.monotonic()
            for worker in busy:
                if worker in readable:
                    yield worker.collect()
                elif worker.deadline <= now:
                    yield worker.expire()
    finally:
        for worker in pool:
            worker.close()


def _feed(
    pool: list[WorkerProcess], pending: Iterator[Item] | None, room: Callable[[], bool] | None
) -> Iterator[Item] | None:
    """Give each idle worker the next card (while there is room); ``None`` once the source is exhausted."""
    if pending is None:
        return None
    for worker in pool:
        if worker.item is None and (room is None or room()):
            item = next(pending, None)
            if item is None:
                return None
            worker.submit(item)
    return pending
