"""The reorder window alone: an engine of N slots finishing its cards in a random order, as ``run_local`` feeds."""

from __future__ import annotations

import random

import pytest

from chile_id_ocr.batch.order import InputOrder
from chile_id_ocr.batch.records import Item, Outcome


@pytest.mark.parametrize(("cards", "slots", "window", "seed"), [(200, 4, 4, 1), (200, 4, 9, 2), (50, 1, 1, 3),
                                                                  (300, 8, 256, 4), (120, 3, 5, 5)])  # fmt: skip
def test_outcomes_come_back_in_input_order_with_at_most_window_minus_one_waiting(
    cards: int, slots: int, window: int, seed: int
) -> None:
    rng = random.Random(seed)
    items = [Item(f"card-{i % 7}", f"{i % 7}.jpg") for i in range(cards)]  # ids repeat: the same card read again
    order = InputOrder(items, window)
    source, in_flight, written, most_waiting = order.items(), [], [], 0
    while True:
        while len(in_flight) < slots and order.room() and (item := next(source, None)) is not None:
            in_flight.append(item)
        if not in_flight:
            break
        done = in_flight.pop(rng.randrange(len(in_flight)))  # any card in flight may finish first
        written += order.put(Outcome({"id": done.id, "file": done.front}))
        most_waiting = max(most_waiting, order.waiting)
    assert [o.record["id"] for o in written] == [item.id for item in items]
    assert most_waiting <= window - 1
    assert order.waiting == 0
