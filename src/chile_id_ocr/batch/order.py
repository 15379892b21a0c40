"""Records in input order: the engines finish cards in any order; ``InputOrder`` puts their outcomes back.

Each card taken from the source gets its place in the input; an outcome is matched to the earliest card taken
with the same id and files (two such cards are the same card read twice, so their order does not matter) and
waits until every earlier card's outcome has been given back. ``room()`` bounds the wait: an engine that asks it
before taking a card (the local engine) keeps at most ``window`` cards taken and not yet given back, so at most
``window - 1`` outcomes wait in memory for a slow card, and a card that hangs holds the job back by at most
``window`` cards until its time limit ends it. The Ray engine hands every card to the cluster up front and cannot
ask; its outcomes are reordered the same way, waiting as long as the cluster returns them out of order.

>>> order = InputOrder([Item("a", "a.jpg"), Item("b", "b.jpg"), Item("a", "a.jpg")], window=2)
>>> taken = order.items()
>>> [next(taken).id, next(taken).id], order.room()
(['a', 'b'], False)
>>> order.put(Outcome({"id": "b", "file": "b.jpg"})), order.waiting
([], 1)
>>> [o.record["id"] for o in order.put(Outcome({"id": "a", "file": "a.jpg"}))], order.room()
(['a', 'b'], True)
>>> [o.record["id"] for o in order.put(Outcome({"id": "b", "file": "b.jpg"}))]  # b again: not waited for
['b']
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from chile_id_ocr.batch.records import Item, Outcome

ORDERS = ("input", "completion")
DEFAULT_WINDOW = 256

_Key = tuple[str, str, str | None]


class InputOrder:
    """The cards of ``items`` as an engine takes them, and their outcomes given back in that order."""

    def __init__(self, items: Iterable[Item], window: int = DEFAULT_WINDOW) -> None:
        self._source = iter(items)
        self.window = max(1, window)
        self._taken = 0
        self._given = 0
        self._places: dict[_Key, deque[int]] = {}
        self._waiting: dict[int, Outcome] = {}

    @property
    def waiting(self) -> int:
        """Outcomes held for an earlier card."""
        return len(self._waiting)

    def room(self) -> bool:
        """May the engine take another card without more than ``window`` taken and not given back?"""
        return self._taken - self._given < self.window

    def items(self) -> Iterator[Item]:
        """The cards, each noted with its place as the engine takes it."""
        for item in self._source:
            self._places.setdefault((item.id, item.front, item.back), deque()).append(self._taken)
            self._taken += 1
            yield item

    def put(self, outcome: Outcome) -> list[Outcome]:
        """The outcomes that are now next in input order (maybe none, maybe several)."""
        record = outcome.record
        key = (record["id"], record["file"], record.get("back"))
        places = self._places.get(key)
        if places is None:  # no card taken is waiting for it (an engine that answered a card twice): as it comes
            return [outcome]
        self._waiting[places.popleft()] = outcome
        if not places:
            del self._places[key]
        ready = []
        while self._given in self._waiting:
            ready.append(self._waiting.pop(self._given))
            self._given += 1
        return ready
