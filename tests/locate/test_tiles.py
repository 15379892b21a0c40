"""Text detection tile by tile (``locate/tiles.py``): tiles cover the copy within one detection's
pixel cap, and small print that a shrunk copy loses is found in them, each line once."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chile_id_ocr.locate.tiles import OVERLAP, detect_tiled, windows
from chile_id_ocr.models.ocr import get_engine


@pytest.mark.parametrize("size", [(2048, 1536), (1448, 2048), (4000, 300), (2048, 2048), (900, 700)])
def test_tiles_cover_the_copy_within_the_cap(size: tuple[int, int]) -> None:
    width, height = size
    cap = 1_000_000
    tiles = windows(width, height, cap)
    covered = np.zeros((height, width), bool)
    for x0, y0, x1, y1 in tiles:
        assert (x1 - x0) * (y1 - y0) <= cap
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    if len(tiles) > 1:  # neighbours share at least the overlap
        xs = sorted({x0 for x0, *_ in tiles})
        ys = sorted({y0 for _, y0, *_ in tiles})
        ends_x = sorted({x1 for *_, x1, _ in tiles})
        ends_y = sorted({y1 for *_, y1 in tiles})
        assert all(end - start >= OVERLAP for start, end in zip(xs[1:], ends_x, strict=False))
        assert all(end - start >= OVERLAP for start, end in zip(ys[1:], ends_y, strict=False))


def _page_of_small_print() -> tuple[np.ndarray, int]:
    """A 2400 x 1800 page with 24 short lines of print about 5 px high, spread over it."""
    page = np.full((1800, 2400, 3), 255, np.uint8)
    rng = np.random.default_rng(0)
    lines = 0
    for row in range(6):
        for column in range(4):
            x, y = 80 + column * 580, 150 + row * 280
            word = "".join(rng.choice(list("ABCDEFGHIJKLMNOPRSTUV0123456789"), 9))
            cv2.putText(page, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.2, (20, 20, 20), 1, cv2.LINE_AA)
            lines += 1
    return page, lines


def test_tiles_find_small_print_that_a_shrunk_copy_loses() -> None:
    page, lines = _page_of_small_print()
    engine = get_engine()
    cap = 1_000_000
    shrunk = engine.detect(page, int((cap * 2400 / 1800) ** 0.5))  # one detection: the copy shrunk to the cap
    tiled = detect_tiled(page, engine, cap)
    assert len(tiled) >= 0.9 * lines
    assert len(tiled) <= lines + 2  # a line on a tile's edge is kept once
    assert len(shrunk) < 0.5 * lines
