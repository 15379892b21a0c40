"""Text detection of a copy too large for one detection, tile by tile.

One detection sees at most ``Budget.detect_pixels`` (the detector's memory grows with its
pixels); a larger copy (the finer search of a page with a small card on it) used to be shrunk to
that cap, which undid the finer search. It is cut into overlapping tiles within the cap instead,
each detected on its own; a line cut by a tile's edge is whole in the next tile (the overlap is
wider than a card's line is high and long), so of two boxes that mostly cover each other only the
larger is kept.
"""

from __future__ import annotations

import math

import numpy as np

from chile_id_ocr.models.ocr import TextBox, TextEngine

OVERLAP = 160  # pixels of the copy shared by neighbouring tiles
_COVERED = 0.6  # a box this much inside a larger one is the same line, cut by a tile's edge


def windows(width: int, height: int, cap: int, overlap: int = OVERLAP) -> list[tuple[int, int, int, int]]:
    """Tiles (x0, y0, x1, y1) covering a ``width`` x ``height`` image, each of at most ``cap``
    pixels, neighbours sharing ``overlap`` pixels; the whole image when it fits.

    >>> windows(800, 600, 1_000_000)
    [(0, 0, 800, 600)]
    >>> tiles = windows(1448, 2048, 1_000_000)
    >>> len(tiles), all((x1 - x0) * (y1 - y0) <= 1_000_000 for x0, y0, x1, y1 in tiles)
    (4, True)
    >>> tiles[-1][2:]
    (1448, 2048)
    """
    if width * height <= cap:
        return [(0, 0, width, height)]
    grids = []  # for each number of columns, the fewest rows whose tiles keep within the cap
    for columns in range(1, math.ceil(width / max(1, math.isqrt(cap) // 4)) + 1):
        tw = _tile_size(width, columns, overlap)
        if tw * min(height, overlap + 1) > cap:
            continue
        rows = 1
        while _tile_size(height, rows, overlap) * tw > cap:
            rows += 1
        grids.append((columns * rows, columns, rows))
    _, columns, rows = min(grids, default=(1, 1, 1))
    tw, th = _tile_size(width, columns, overlap), _tile_size(height, rows, overlap)
    xs = _starts(width, tw, columns)
    ys = _starts(height, th, rows)
    return [(x, y, min(width, x + tw), min(height, y + th)) for y in ys for x in xs]


def _tile_size(length: int, count: int, overlap: int) -> int:
    return min(length, math.ceil((length + (count - 1) * overlap) / count))


def _starts(length: int, size: int, count: int) -> list[int]:
    if count == 1:
        return [0]
    return [round(k * (length - size) / (count - 1)) for k in range(count)]


def detect_tiled(copy: np.ndarray, engine: TextEngine, cap: int) -> list[TextBox]:
    """The text lines of ``copy`` at its own size, detected tile by tile (``windows``) where it
    holds over ``cap`` pixels; a line seen in two tiles is kept once."""
    h, w = copy.shape[:2]
    tiles = windows(w, h, cap)
    found: list[TextBox] = []
    for x0, y0, x1, y1 in tiles:
        tile = copy[y0:y1, x0:x1]
        offset = np.array([x0, y0], np.float32)
        found += [TextBox(box.quad + offset, box.score) for box in engine.detect(tile, max(tile.shape[:2]))]
    return found if len(tiles) == 1 else merged(found)


def merged(boxes: list[TextBox]) -> list[TextBox]:
    """``boxes`` without those lying mostly (``_COVERED``) inside a larger one.

    >>> a = TextBox(np.array([[0, 0], [100, 0], [100, 10], [0, 10]], np.float32), 0.9)
    >>> b = TextBox(np.array([[60, 0], [100, 0], [100, 10], [60, 10]], np.float32), 0.8)
    >>> c = TextBox(np.array([[0, 50], [30, 50], [30, 60], [0, 60]], np.float32), 0.7)
    >>> [box.score for box in merged([b, a, c])]
    [0.9, 0.7]
    """
    if len(boxes) < 2:
        return boxes
    corners = np.array([[*b.quad.min(axis=0), *b.quad.max(axis=0)] for b in boxes], np.float64)
    areas = np.maximum(corners[:, 2] - corners[:, 0], 0) * np.maximum(corners[:, 3] - corners[:, 1], 0)
    order = np.argsort(-areas, kind="stable")
    kept: list[int] = []
    for i in order:
        if kept:
            k = np.array(kept)
            iw = np.minimum(corners[k, 2], corners[i, 2]) - np.maximum(corners[k, 0], corners[i, 0])
            ih = np.minimum(corners[k, 3], corners[i, 3]) - np.maximum(corners[k, 1], corners[i, 1])
            inside = np.maximum(iw, 0) * np.maximum(ih, 0)
            if float(inside.max()) >= _COVERED * max(float(areas[i]), 1e-6):
                continue
        kept.append(int(i))
    return [boxes[i] for i in sorted(kept)]
