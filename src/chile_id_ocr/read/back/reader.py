"""Read the back of the card: the machine-readable zone, the QR code and the two text lines above them.

The QR code is decoded first, with zxing-cpp, which finds it at any rotation. Where it is
found, it also tells the card's size, which way its text runs and where the card lies: the
MRZ is looked for first in that part of the image, levelled, at the scale that shows its
characters about 12 px high (a small detection wherever the card is). Elsewhere, or when that
fails, the whole image is searched at two sizes, level and turned by 90 degrees, then each
card outline found.

The MRZ is found from the text detector's boxes: three long, parallel lines that start and
end together, stacked at one line pitch (or two, with the third where the pitch puts it).
Their common direction gives the card's rotation modulo 180 degrees; each line is then cut
out of the full-resolution image along that direction and read, first the way up the QR code
(or else the rest of the card's text) says and, unless that settles it, also upside down. The
reading whose check digits pass wins; lines whose check digits fail are read again from other
cuts, and a new reading is kept only where two cuts agree and the check digits then pass.

A QR symbol that is found but too blurred to decode is cut out, straightened and binarised,
and tried again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from chile_id_ocr.card import qr
from chile_id_ocr.locate.mrz_band import DETECT_SIDE, MrzBlock, find_mrz_blocks
from chile_id_ocr.locate.mrz_read import MrzReading, plausible, read_mrz
from chile_id_ocr.locate.qr import QrFind, QrHint
from chile_id_ocr.models.ocr import OcrEngine, TextBox
from chile_id_ocr.read.back.text import BackText, read_text_lines
from chile_id_ocr.vision.geometry import map_points, rectify

_FINE_SIDE = 1600  # ... and at this size when it is not found at DETECT_SIDE
_CARD_SEARCH_SIDE = 1280  # a located card is searched at this size when the whole image fails
# The 2013 back's design, loosely: the QR code at the card's top left, its side about 0.15 of the
# card's width; the card reaches about 5.8 QR sides right of its centre and 3.3 below. Where a QR
# code is found, this window around it (in QR sides along the text and down, with room for
# perspective and a misjudged size) is searched first, levelled, at the scale that makes the card
# about this many pixels wide (its MRZ characters then about 12 px high), enlarged at most so much.
_QR_SHARE = 0.15
_CARD_WINDOW = ((-2.0, 7.5), (-2.0, 5.0))
_CARD_AT_DETECTION = 400
_MAX_ZOOM = 2.0


@dataclass(frozen=True)
class BackReading:
    """What the back gave: the MRZ (or None), the QR payload (or None) and the text lines above."""

    mrz: MrzReading | None
    qr: qr.QrPayload | None
    text: BackText


@dataclass(frozen=True)
class _Search:
    """One look for the MRZ: a view of the image (levelled around the QR code, turned by 90
    degrees, a card cut out), the detector's size there, and the homography from the view's
    pixels back to the image's (None: the view is the image)."""

    view: np.ndarray
    side: int
    to_image: np.ndarray | None = None

    def boxes(self, engine: OcrEngine) -> list[TextBox]:
        """The detector's boxes in the view, in image pixels."""
        found = engine.detect(self.view, self.side)
        if self.to_image is None:
            return found
        return [TextBox(map_points(self.to_image, b.quad), b.score) for b in found]


def _warped(image: np.ndarray, quad: np.ndarray, width: int, height: int, side: int) -> _Search:
    """A look at ``quad`` of the image, rectified to ``width`` x ``height``."""
    rect = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    view = rectify(image, quad, width, height)
    return _Search(view, side, cv2.getPerspectiveTransform(rect, np.asarray(quad, np.float32)))


def _around_qr(image: np.ndarray, hint: QrHint) -> _Search:
    """The part of the image where the card lies, seen from its QR code: levelled (the text
    running left to right), at the scale that makes the card :data:`_CARD_AT_DETECTION` px wide."""
    s = hint.side
    down = np.array([-hint.along[1], hint.along[0]])
    (a0, a1), (d0, d1) = _CARD_WINDOW
    corners = [(a0, d0), (a1, d0), (a1, d1), (a0, d1)]
    quad = np.array([hint.centre + (hint.along * a + down * d) * s for a, d in corners], np.float32)
    scale = min(_CARD_AT_DETECTION * _QR_SHARE / s, _MAX_ZOOM)  # view pixels per image pixel
    width, height = round((a1 - a0) * s * scale), round((d1 - d0) * s * scale)
    return _warped(image, quad, width, height, max(width, height))


def _searches(image: np.ndarray, hint: QrHint | None, card_quads: Callable[[], list[np.ndarray]]) -> Iterator[_Search]:
    """Where to look, cheapest first: around the QR code, then the whole image at
    :data:`DETECT_SIDE` level and turned by 90 degrees (the detector breaks text running near
    vertically into pieces; the QR code says which comes first), both again finer (a small
    card in a large frame), then each card candidate rectified."""
    h, w = image.shape[:2]
    turned = functools.cache(lambda: cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE))
    unturn = np.array([[0, 1, 0], [-1, 0, h - 1], [0, 0, 1]], np.float64)  # turned pixels to the image's
    if hint is not None:
        yield _around_qr(image, hint)
    views = [lambda side: _Search(image, side), lambda side: _Search(turned(), side, unturn)]
    if hint is not None and hint.runs_vertically:
        views.reverse()
    for side in dict.fromkeys(min(side, max(h, w)) for side in (DETECT_SIDE, _FINE_SIDE)):
        for view in views:
            yield view(side)
    for quad in card_quads():
        yield _warped(image, quad, _CARD_SEARCH_SIDE, round(_CARD_SEARCH_SIDE / 1.585), _CARD_SEARCH_SIDE)


def locate_and_read(
    image: np.ndarray, engine: OcrEngine, card_quads: Callable[[], list[np.ndarray]], hint: QrHint | None = None
) -> tuple[MrzReading, MrzBlock] | None:
    """The MRZ read and its block (in image pixels): the first block that reads as an MRZ in
    the places :func:`_searches` gives."""
    qr_centre = None if hint is None else hint.centre
    for search in _searches(image, hint, card_quads):
        for block in find_mrz_blocks(search.boxes(engine), qr_centre=qr_centre):
            reading, oriented = read_mrz(image, block, engine)
            if plausible(reading):
                return reading, oriented
    return None


def read_back(
    image: np.ndarray, engine: OcrEngine, qr_found: QrFind | None, card_quads: Callable[[], list[np.ndarray]]
) -> BackReading:
    """Everything the back gives. ``qr_found`` is :func:`find_qr`'s result (the caller needed it
    first); ``card_quads`` gives the card candidates to search when the whole image fails."""
    payload = qr.parse(qr_found.text) if qr_found is not None and qr_found.text else None
    hint = QrHint.of(qr_found) if qr_found is not None else None
    located = locate_and_read(image, engine, card_quads, hint)
    if located is None:
        return BackReading(None, payload, BackText())
    reading, block = located
    return BackReading(reading, payload, read_text_lines(image, block, engine))
