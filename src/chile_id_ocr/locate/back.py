"""Where the back's MRZ is: found among the text detections of the places most likely to show it,
and confirmed by reading it (its structure and check digits).

Cheapest first: where a QR code was found, the part of the image it says the card covers,
levelled (seen straight on where the symbol decoded: its corners give the card's perspective),
at the scale that shows the MRZ's characters about 12 px high; then the whole image at
two sizes, level and turned by 90 degrees (only where the card detector marks a card:
``Scene.shows_card``; a justified page's lines can stack like an MRZ); then each card
candidate rectified. Each look's blocks of three stacked lines are read (``mrz_read``) until one
reads as an MRZ, at most ``_READS`` blocks per image.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from chile_id_ocr.locate.mrz_band import DETECT_SIDE, MrzBlock, find_mrz_blocks
from chile_id_ocr.locate.mrz_read import MrzReading, plausible, read_mrz
from chile_id_ocr.locate.qr import QrFind, QrHint, decode_placed
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.models.ocr import TextBox, TextEngine
from chile_id_ocr.vision.geometry import map_points, rectify

# MRZ blocks read per image, all looks together: reading a block costs several recognitions, and
# a page of print offers many stacks of equally long lines.
_READS = 24

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
# ... and, seen straight on through a decoded symbol's corners, that wide and then this wide where
# the MRZ is not found: where the card is seen at a slant, its far side is enlarged by the levelling
# and may read only larger (synthetic strong perspective, dev seeds: 3 of 3 MRZs found at 560 px, 2
# at 400 and 480; 560 px first costs a scan about 110 ms more).
_CARD_LEVELLED = 560
# There, the MRZ's middle line has its centre about 2.45 QR sides right of the symbol's centre and 2.45
# below; blocks elsewhere (a page's lines behind the card) are not read. With room for the perspective
# that four corners only roughly give so far from them:
_MRZ_FROM_QR = ((1.2, 3.7), (1.6, 3.3))
_LIMIT = 3  # blocks read per look


@dataclass(frozen=True)
class LocatedBack:
    """A back as located: its QR symbol (decoded or not; None when none was found) and its MRZ
    read and its block (None when none was found that reads as one)."""

    qr: QrFind | None
    mrz: tuple[MrzReading, MrzBlock] | None


# Where the 2013 back's design puts the QR code, in MRZ line pitches from the start of the MRZ's first
# line (along, down): its centre, and half its side with room for a misjudged start or pitch; then,
# where no symbol decodes there, a window half as large again (a thumb over the MRZ's line ends or
# a slant misjudges the block's pitch and start: dev back photos 5009, 5030 and 5032 show the symbol cut
# by the first window's edge).
_QR_FROM_MRZ = (1.45, -6.37)
_QR_HALVES = (2.2, 3.3)


def locate_back(scene: Scene) -> LocatedBack:
    """The back in ``scene``: its QR symbol, looked for hard, and the MRZ found from it; a symbol
    not decoded is decoded again where the MRZ says the design puts it."""
    found = scene.qr_thorough
    hint = QrHint.of(found) if found is not None else None
    mrz = find_mrz(scene, hint, found.quad if found is not None and found.text else None)
    if mrz is not None and (found is None or not found.text):
        found = qr_by_mrz(scene.pixels, mrz[1]) or found
    return LocatedBack(found, mrz)


def qr_by_mrz(image: np.ndarray, block: MrzBlock) -> QrFind | None:
    """The QR code decoded where the design puts it, seen from the MRZ ``block`` (the right way up)."""
    (u0, _), pitch = block.span, block.pitch
    u, v = u0 + _QR_FROM_MRZ[0] * pitch, block.lines[0].v + _QR_FROM_MRZ[1] * pitch
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    for half in (share * pitch for share in _QR_HALVES):
        quad = block.image_quad(u - half, u + half, v - half, v + half)
        text = decode_placed(gray, quad)
        if text is not None:
            return QrFind(text, quad)
    return None


@dataclass(frozen=True)
class _Search:
    """One look for the MRZ: a view of the image (levelled around the QR code, turned by 90
    degrees, a card cut out), the detector's size there, and the homography from the view's
    pixels back to the image's (None: the view is the image)."""

    view: np.ndarray
    side: int
    to_image: np.ndarray | None = None
    in_view: bool = False  # blocks are found in the view's pixels (a perspective view), not the image's
    mrz_area: tuple[float, float, float, float] | None = None  # where the MRZ's middle line can be (view px)

    def blocks(self, engine: TextEngine, qr_centre: np.ndarray | None) -> list[MrzBlock]:
        """The MRZ blocks the detector's boxes make in the view: in image pixels, or in the view's
        with their homography to the image (``MrzBlock.to_image``: the lines are cut from the image)."""
        found = engine.detect(self.view, self.side)
        if self.to_image is None:
            return find_mrz_blocks(found, qr_centre=qr_centre)
        if not self.in_view:
            boxes = [TextBox(map_points(self.to_image, b.quad), b.score) for b in found]
            return find_mrz_blocks(boxes, qr_centre=qr_centre)
        centre = None if qr_centre is None else map_points(np.linalg.inv(self.to_image), qr_centre[None])[0]
        blocks = find_mrz_blocks(found, limit=_LIMIT * 4, qr_centre=centre, cut_short=True)
        if self.mrz_area is not None:  # the card levelled by its QR code: the MRZ is where the design puts it
            x0, y0, x1, y1 = self.mrz_area
            blocks = [b for b in blocks if x0 <= b.centres()[1][0] <= x1 and y0 <= b.centres()[1][1] <= y1]
        return [dataclasses.replace(block, to_image=self.to_image) for block in blocks[:_LIMIT]]


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


def _levelled_by_qr(image: np.ndarray, symbol: np.ndarray, card_width: int) -> _Search:
    """The part of the image where the card lies, seen straight on: the decoded QR symbol's corners
    (a square on the card) give the card's perspective; the view shows the card ``card_width`` px
    wide, and the MRZ's lines are cut from the image through it."""
    unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
    to_image = cv2.getPerspectiveTransform(unit, np.asarray(symbol, np.float32))
    (a0, a1), (d0, d1) = _CARD_WINDOW
    window = np.array([[a0, d0], [a1, d0], [a1, d1], [a0, d1]], np.float32) + 0.5
    per_side = card_width * _QR_SHARE  # view pixels per QR side
    width, height = round((a1 - a0) * per_side), round((d1 - d0) * per_side)
    search = _warped(image, map_points(to_image, window), width, height, max(width, height))
    (u0, u1), (v0, v1) = _MRZ_FROM_QR
    x, y = -a0 * per_side, -d0 * per_side  # the symbol's centre in the view
    area = (x + u0 * per_side, y + v0 * per_side, x + u1 * per_side, y + v1 * per_side)
    return dataclasses.replace(search, in_view=True, mrz_area=area)


def _searches(scene: Scene, hint: QrHint | None, symbol: np.ndarray | None = None) -> Iterator[_Search]:
    """Where to look, cheapest first: around the QR code, then the whole image at
    :data:`DETECT_SIDE` level and turned by 90 degrees (the detector breaks text running near
    vertically into pieces; the QR code says which comes first), both again finer (a small
    card in a large frame), then each card candidate rectified."""
    image = scene.pixels
    h, w = image.shape[:2]
    turned = functools.cache(lambda: cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE))
    unturn = np.array([[0, 1, 0], [-1, 0, h - 1], [0, 0, 1]], np.float64)  # turned pixels to the image's
    if symbol is not None:
        yield _levelled_by_qr(image, symbol, _CARD_AT_DETECTION)
        yield _levelled_by_qr(image, symbol, _CARD_LEVELLED)
    elif hint is not None:
        yield _around_qr(image, hint)
    views = [lambda side: _Search(image, side), lambda side: _Search(turned(), side, unturn)]
    if hint is not None and hint.runs_vertically:
        views.reverse()
    if not scene.shows_card:  # no evidence of a card (lines of a justified page can stack like an MRZ)
        return
    for side in dict.fromkeys(min(side, max(h, w)) for side in (DETECT_SIDE, _FINE_SIDE)):
        for view in views:
            yield view(side)
    for quad in scene.card_quads()[:-1]:  # seen straight on: the lines are found in the view, cut from the image
        search = _warped(image, quad, _CARD_SEARCH_SIDE, round(_CARD_SEARCH_SIDE / 1.585), _CARD_SEARCH_SIDE)
        yield dataclasses.replace(search, in_view=True)


def find_mrz(
    scene: Scene, hint: QrHint | None = None, symbol: np.ndarray | None = None
) -> tuple[MrzReading, MrzBlock] | None:
    """The MRZ read and its block: the first block that reads as an MRZ in the places
    :func:`_searches` gives, within the image's budget of reads. ``symbol``: a decoded QR
    symbol's corners, which say the card's perspective."""
    qr_centre = None if hint is None else hint.centre
    reads = 0
    for search in _searches(scene, hint, symbol):
        for block in search.blocks(scene.engine, qr_centre):
            if reads >= _READS:
                return None
            reads += 1
            reading, oriented = read_mrz(scene.pixels, block, scene.engine)
            if plausible(reading):
                return reading, oriented
    return None
