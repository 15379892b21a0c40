"""A fair share of the recognition workers for each project.

:class:`FairScheduler` admits at most ``limit`` requests at once (running on a worker or waiting for one), keeps
one FIFO queue per project, and hands a free worker to the waiting project with the fewest jobs running (in
turn among equals, round robin), so a project that floods with many clients gets no more workers than one that
sends a request now and then.

When every place is taken, a newcomer from a project holding fewer places than the most demanding project takes
the place of that project's newest waiting request, which is refused with APIG.0308 (429, Retry-After): the
flood is what gets refused, never the quiet project. A newcomer of the most demanding project itself is refused.

A request is admitted only once it is authenticated and its whole body has arrived (``api/card_call.py``): a
slow sender never holds a place. Everything runs on the event loop.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

from chile_id_ocr.api.errors import ApiError

_BUSY = "too many requests in progress, retry later"


@dataclass(eq=False)
class Ticket:
    """One admitted request of ``project``; ``turn`` resolves when a worker is its."""

    project: str
    turn: asyncio.Future[None] | None = None
    evicted: bool = False


@dataclass
class FairScheduler:
    """``workers`` turns at once, ``limit`` admitted requests at once, projects served in turn."""

    workers: int
    limit: int
    running: int = 0
    held: dict[str, int] = field(default_factory=dict)  # project -> admitted requests (running or waiting)
    busy: dict[str, int] = field(default_factory=dict)  # project -> requests running on a worker
    waiting: OrderedDict[str, deque[Ticket]] = field(default_factory=OrderedDict)  # the round: next project first
    refused_for_fairness: int = 0

    @property
    def admitted(self) -> int:
        return sum(self.held.values())

    def queue_depth(self) -> int:
        return sum(len(queue) for queue in self.waiting.values())

    @contextmanager
    def admit(self, project: str) -> Iterator[Ticket]:
        """A place for one request of ``project``, or APIG.0308 at once (see the module's docstring)."""
        if self.admitted >= self.limit:
            self._make_room(project)
        self.held[project] = self.held.get(project, 0) + 1
        ticket = Ticket(project)
        try:
            yield ticket
        finally:
            if not ticket.evicted:
                self._give_back(project)

    def _give_back(self, project: str) -> None:
        self.held[project] -= 1
        if not self.held[project]:
            del self.held[project]

    def _make_room(self, project: str) -> None:
        """Refuse the newest waiting request of the project holding the most places, when it holds more than
        one place more than ``project``; else refuse the newcomer."""
        mine = self.held.get(project, 0)
        greedy = max(self.waiting, key=lambda p: self.held.get(p, 0), default=None)
        if greedy is None or greedy == project or self.held.get(greedy, 0) <= mine + 1:
            raise ApiError.of("APIG.0308", _BUSY)
        evicted = self.waiting[greedy].pop()
        if not self.waiting[greedy]:
            del self.waiting[greedy]
        evicted.evicted = True  # its place is free now, not when its handler has unwound
        self._give_back(greedy)
        self.refused_for_fairness += 1
        assert evicted.turn is not None
        evicted.turn.set_exception(ApiError.of("APIG.0308", _BUSY, retry_after=1))

    @asynccontextmanager
    async def turn(self, ticket: Ticket) -> AsyncIterator[None]:
        """Wait for a worker (in the project's turn), hold it for the block."""
        if self.running < self.workers and not self.waiting:
            self._start(ticket.project)
        else:
            ticket.turn = asyncio.get_running_loop().create_future()
            self.waiting.setdefault(ticket.project, deque()).append(ticket)
            try:
                await ticket.turn
            except BaseException:
                if ticket.turn.done() and not ticket.turn.cancelled() and ticket.turn.exception() is None:
                    self._finish(ticket.project)  # given a worker as it was cancelled: pass the worker on
                else:
                    self._forget(ticket)
                raise
        try:
            yield
        finally:
            self._finish(ticket.project)

    def _forget(self, ticket: Ticket) -> None:
        queue = self.waiting.get(ticket.project)
        if queue is not None and ticket in queue:
            queue.remove(ticket)
            if not queue:
                del self.waiting[ticket.project]

    def _start(self, project: str) -> None:
        self.running += 1
        self.busy[project] = self.busy.get(project, 0) + 1

    def _finish(self, project: str) -> None:
        self.running -= 1
        self.busy[project] -= 1
        if not self.busy[project]:
            del self.busy[project]
        if project in self.waiting:
            self.waiting.move_to_end(project)  # it was just served: the others first among equals
        self._hand_on()

    def _hand_on(self) -> None:
        """Free workers go to waiting projects: the one with the fewest jobs running first, then the round's
        order (a project served goes to the end of the round)."""
        while self.waiting and self.running < self.workers:
            project = min(self.waiting, key=lambda p: self.busy.get(p, 0))
            queue = self.waiting.pop(project)
            ticket = queue.popleft()
            if queue:
                self.waiting[project] = queue
            if ticket.turn is not None and not ticket.turn.done():
                self._start(project)
                ticket.turn.set_result(None)
