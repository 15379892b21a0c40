"""The fair scheduler on its own (``api/fairness.py``): who gets a free worker, who gives up a place, and what a
cancelled waiter leaves behind. Jobs are events the test sets, so the order is deterministic."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

import pytest

from chile_id_ocr.api.errors import ApiError
from chile_id_ocr.api.fairness import FairScheduler


async def _job(fair: FairScheduler, stack: ExitStack, project: str, done: asyncio.Event, log: list[str]) -> None:
    ticket = stack.enter_context(fair.admit(project))
    async with fair.turn(ticket):
        log.append(project)
        await done.wait()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_free_worker_goes_to_the_project_with_none_running() -> None:
    async def scenario() -> list[str]:
        fair, log, stack = FairScheduler(workers=1, limit=10), [], ExitStack()
        events = [asyncio.Event() for _ in range(5)]
        tasks = [asyncio.create_task(_job(fair, stack, "flood", events[i], log)) for i in range(3)]
        await _settle()
        tasks.append(asyncio.create_task(_job(fair, stack, "quiet", events[3], log)))
        await _settle()
        assert (fair.running, fair.queue_depth()) == (1, 3)
        for event in (events[0], events[3], events[1], events[2]):
            event.set()
            await _settle()
        await asyncio.gather(*tasks)
        stack.close()
        assert fair.admitted == 0 and fair.running == 0
        return log

    assert asyncio.run(scenario()) == ["flood", "quiet", "flood", "flood"]


def test_when_full_the_flood_gives_up_its_newest_waiting_place() -> None:
    async def scenario() -> None:
        fair, log, stack = FairScheduler(workers=1, limit=3), [], ExitStack()
        events = [asyncio.Event() for _ in range(4)]
        flood = [asyncio.create_task(_job(fair, stack, "flood", events[i], log)) for i in range(3)]
        await _settle()
        with pytest.raises(ApiError) as refused:  # the flood itself gets no fourth place
            stack.enter_context(fair.admit("flood"))
        assert refused.value.code == "APIG.0308"
        quiet = asyncio.create_task(_job(fair, stack, "quiet", events[3], log))
        await _settle()
        assert fair.refused_for_fairness == 1 and fair.held == {"flood": 2, "quiet": 1}
        with pytest.raises(ApiError) as evicted:
            await flood[2]  # the newest waiter of the flood
        assert evicted.value.status == 429 and evicted.value.headers() == {"Retry-After": "1"}
        for event in events:
            event.set()
        await asyncio.gather(*flood[:2], quiet)
        stack.close()
        assert log == ["flood", "quiet", "flood"]

    asyncio.run(scenario())


def test_a_cancelled_waiter_leaves_no_trace() -> None:
    async def scenario() -> None:
        fair, log, stack = FairScheduler(workers=1, limit=5), [], ExitStack()
        first, second = asyncio.Event(), asyncio.Event()
        running = asyncio.create_task(_job(fair, stack, "a", first, log))
        waiting = asyncio.create_task(_job(fair, stack, "b", second, log))
        await _settle()
        waiting.cancel()
        await _settle()
        assert fair.queue_depth() == 0 and "b" not in fair.waiting
        first.set()
        await running
        assert fair.running == 0 and log == ["a"]

    asyncio.run(scenario())
