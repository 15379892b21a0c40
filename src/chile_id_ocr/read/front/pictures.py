"""The front's pictures cut out of the image: the portrait, the signature and the ghost portrait, each
warped from the located card to the card's own frame (upright, square corners) as PNG files.

The card is taken at the resolution the capture gives it (its longer side's length in the image, at
most ``MAX_CARD_WIDTH``); each picture is warped on its own from the image, so the cost is that of the
pictures' pixels. Where they are comes from the design (``card/regions.py``); a front read from its
labels gets its portrait beside the data block, and no signature or ghost portrait.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from chile_id_ocr.card.layouts import CARD_ASPECT
from chile_id_ocr.card.regions import REGIONS, Box, portrait_beside
from chile_id_ocr.vision.geometry import card_to_image, map_points

MAX_CARD_WIDTH = 2000
#: Each picture is cut with this much more of the card around it (card widths and heights, each side): the
#: located corners may be off by a percent or two of the card where the fit extrapolates from the text lines.
MARGIN = 0.02
NAMES: tuple[str, ...] = ("portrait", "signature", "ghost_portrait")


def card_width(quad: np.ndarray) -> int:
    """The card's width (pixels) in the card's frame: its longer edge in the image, at most ``MAX_CARD_WIDTH``."""
    q = np.asarray(quad, np.float64).reshape(4, 2)
    edges = np.linalg.norm(np.roll(q, -1, axis=0) - q, axis=1)
    return int(min(max(edges.max(), 16.0), MAX_CARD_WIDTH))


def picture_boxes(layout: str, quad: np.ndarray, value_quads: Iterable[np.ndarray]) -> dict[str, Box]:
    """Where each picture is on the card (fractions): the design's boxes, or for a layout not described
    the portrait beside the values at ``value_quads`` (image pixels, like ``quad``)."""
    known = REGIONS.get(layout)
    if known is not None:
        return dict(known)
    to_card = np.linalg.inv(card_to_image(np.asarray(quad, np.float64)))
    points = [map_points(to_card, np.asarray(q, np.float64).reshape(-1, 2)) for q in value_quads]
    if not points:
        return {}
    every = np.concatenate(points)
    lo, hi = np.clip(every.min(axis=0), 0, 1), np.clip(every.max(axis=0), 0, 1)
    portrait = portrait_beside((float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])))
    return {} if portrait is None else {"portrait": portrait}


def cut(image: np.ndarray, quad: np.ndarray, box: Box, width: int) -> np.ndarray:
    """The ``box`` of the card at ``quad`` in ``image`` and ``MARGIN`` around it, in the card's frame at ``width``
    pixels per card width."""
    height = width / CARD_ASPECT
    x0, y0 = max(0.0, box[0] - MARGIN), max(0.0, box[1] - MARGIN)
    x1, y1 = min(1.0, box[2] + MARGIN), min(1.0, box[3] + MARGIN)
    w, h = max(1, round((x1 - x0) * width)), max(1, round((y1 - y0) * height))
    # an output pixel -> its card fraction -> the image (the warp's inverse map)
    to_card = np.array([[(x1 - x0) / w, 0, x0], [0, (y1 - y0) / h, y0], [0, 0, 1]], np.float64)
    matrix = card_to_image(np.asarray(quad, np.float64)) @ to_card
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpPerspective(image, matrix, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)


def pictures(image: np.ndarray, quad: np.ndarray, boxes: dict[str, Box]) -> dict[str, bytes]:
    """Each picture of ``boxes`` cut from the card at ``quad`` in ``image``, as a PNG file."""
    width = card_width(quad)
    out: dict[str, bytes] = {}
    for name, box in boxes.items():
        ok, png = cv2.imencode(".png", cut(image, quad, box, width))
        if ok:
            out[name] = png.tobytes()
    return out
