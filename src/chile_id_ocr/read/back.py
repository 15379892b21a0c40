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
import itertools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.card import mrz, qr
from chile_id_ocr.read.ocr import OcrEngine, TextBox, TextRead
from chile_id_ocr.vision.geometry import angle_offsets, line_direction, map_points, rectify

DETECT_SIDE = 960  # the whole image is searched for the MRZ at this size
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
_MIN_ASPECT = 6.0  # an MRZ line is at least this many times longer than tall
# The MRZ's line pitch in detected line heights (synthetic backs: the detector's MRZ boxes are
# 1.04 to 1.38 pitches tall, 1.2 typically).
_PITCH_PER_HEIGHT = 0.83
_ANGLE_TOLERANCE = 4.0  # degrees: the lines of one MRZ run parallel within this
_SAME_DIRECTION = 1.0  # degrees: boxes this close in direction share a frame
# Detected MRZ lines start and end together within about 3 % of their length; other stacks of
# long lines seen on fronts and backgrounds (synthetic, seeds 7000-7029) within 9 % at best.
_MRZ_REGULARITY = 0.05
_LINE_HEIGHT = 48  # line crops are cut at the recognizer's input height
# ... reaching this many line pitches above and below the line's centre (of 0.6 to 0.75, the
# best on synthetic photos and hard captures, seeds 7000-7099).
_REACH = 0.7
_QR_WORK_SIDES = (1200, 800)
_QR_CROP = 320


@dataclass(frozen=True)
class Line:
    """A detected text line in a rotated frame: centre along/across the text, length and height."""

    u: float
    v: float
    length: float
    height: float
    score: float

    @property
    def u0(self) -> float:
        return self.u - self.length / 2

    @property
    def u1(self) -> float:
        return self.u + self.length / 2


@dataclass(frozen=True)
class Frame:
    """Directions of the text in the image: ``u`` along the lines, ``v`` across (pointing down the card)."""

    u: np.ndarray
    v: np.ndarray

    @staticmethod
    def at(angle_deg: float) -> Frame:
        t = math.radians(angle_deg)
        return Frame(np.array([math.cos(t), math.sin(t)]), np.array([-math.sin(t), math.cos(t)]))

    def flipped(self) -> Frame:
        return Frame(-self.u, -self.v)

    def line(self, box: TextBox) -> Line:
        q = box.quad.astype(np.float64)
        c = q.mean(axis=0)
        along, across = (q - c) @ self.u, (q - c) @ self.v
        return Line(float(c @ self.u), float(c @ self.v), float(np.ptp(along)), float(np.ptp(across)), box.score)

    def quad(self, u0: float, u1: float, v0: float, v1: float) -> np.ndarray:
        """Image corners of the frame's rectangle, clockwise from its top-left (as read)."""
        return np.array([self.u * u + self.v * v for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))], np.float32)


def _flip(line: Line) -> Line:
    return Line(-line.u, -line.v, line.length, line.height, line.score)


@dataclass(frozen=True)
class MrzBlock:
    """Three MRZ lines found in the image, top to bottom in ``frame`` (which may be upside down).

    ``qr_v`` is the QR code's centre across the lines in the same frame, when one was found.
    """

    frame: Frame
    lines: tuple[Line, Line, Line]
    others: tuple[Line, ...]  # the other text lines, in the same frame
    qr_v: float | None = None

    @property
    def pitch(self) -> float:
        return (self.lines[2].v - self.lines[0].v) / 2

    @property
    def span(self) -> tuple[float, float]:
        u0 = min(line.u0 for line in self.lines)
        u1 = max(line.u1 for line in self.lines)
        return u0, u1

    def flipped(self) -> MrzBlock:
        a, b, c = (_flip(line) for line in self.lines)
        qr_v = None if self.qr_v is None else -self.qr_v
        return MrzBlock(self.frame.flipped(), (c, b, a), tuple(_flip(line) for line in self.others), qr_v)

    def looks_upright(self) -> bool:
        """The QR code lies above the MRZ when the block is the right way up; without one, most of
        the rest of the card's text does."""
        if self.qr_v is not None:
            return self.qr_v < self.lines[0].v
        above = sum(line.length for line in self.others if line.v < self.lines[0].v)
        below = sum(line.length for line in self.others if line.v > self.lines[2].v)
        return above >= below

    def centres(self) -> np.ndarray:
        """The lines' centres in image pixels."""
        return np.array([self.frame.u * ln.u + self.frame.v * ln.v for ln in self.lines])

    def same_place(self, other: MrzBlock) -> bool:
        """Both blocks' lines lie at the same places (found from two directions, or either way up)."""
        mine, theirs = self.centres(), other.centres()
        tolerance = 0.5 * min(ln.height for ln in self.lines)
        return bool(
            np.all(np.linalg.norm(mine - theirs, axis=1) < tolerance)
            or np.all(np.linalg.norm(mine - theirs[::-1], axis=1) < tolerance)
        )


@dataclass(frozen=True)
class MrzReading:
    """The MRZ as read: the engine's three lines, their scores, and the parse (None if not TD1)."""

    raw: tuple[str, ...]
    scores: tuple[float, ...]
    parsed: mrz.Td1 | None

    def rank(self) -> tuple[int, float]:
        checks = sum(self.parsed.checks.values()) if self.parsed is not None else -1
        return checks, float(np.mean(self.scores)) if self.scores else 0.0


@dataclass(frozen=True)
class TextLine:
    """A line of printed text on the back (birthplace, profession)."""

    text: str
    score: float


@dataclass(frozen=True)
class BackReading:
    """What the back gave: the MRZ (or None), the QR payload (or None) and the text lines above."""

    mrz: MrzReading | None
    qr: qr.QrPayload | None
    birthplace: TextLine | None
    profession: TextLine | None


# --- QR ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrFind:
    """A QR symbol found in the image: its payload when it decoded, and where it is (image pixels)."""

    text: str | None
    quad: np.ndarray


@dataclass(frozen=True)
class QrHint:
    """What a found QR code says about the card: where it is, which way the card's text runs
    (the symbol is printed upright) and about how wide the card is."""

    centre: np.ndarray  # image pixels
    along: np.ndarray  # unit vector along the card's text lines
    side: float  # the symbol's side, pixels

    @staticmethod
    def of(found: QrFind) -> QrHint:
        q = found.quad.astype(np.float64)  # the symbol's top-left, top-right, bottom-right, bottom-left
        along = (q[1] - q[0] + q[2] - q[3]) / 2
        down = (q[3] - q[0] + q[2] - q[1]) / 2
        length = max(float(np.linalg.norm(along)), 1.0)
        return QrHint(q.mean(axis=0), along / length, (length + float(np.linalg.norm(down))) / 2)

    @property
    def runs_vertically(self) -> bool:
        return abs(float(self.along[1])) > abs(float(self.along[0]))


def _zxing(image: np.ndarray, **kwargs: object) -> list:
    import zxingcpp

    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode, **kwargs)


def _position(barcode: object, scale: float) -> np.ndarray:
    p = barcode.position  # type: ignore[attr-defined]
    corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
    return np.array([[c.x, c.y] for c in corners], np.float32) / scale


def find_qr(image: np.ndarray, *, thorough: bool = False) -> QrFind | None:
    """The card's QR code, decoded if possible; found but unreadable gives ``text=None``; absent gives None.

    Copies at most 1200 and 800 px long are searched (a few milliseconds each; zxing finds a
    blurred symbol at one size and not at the other); ``thorough`` searches the full image too.
    """
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape[:2]
    passes = []
    for side in _QR_WORK_SIDES:
        scale = side / max(h, w)
        if scale < 1.0:
            passes.append((cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA), scale))
    if thorough or not passes:
        passes.append((gray, 1.0))
    found: QrFind | None = None
    for img, s in passes:
        symbols = _zxing(img, return_errors=True)
        valid = [b for b in symbols if b.valid and b.text]
        if valid:
            return QrFind(valid[0].text, _position(valid[0], s))
        if symbols and found is None:
            found = QrFind(None, _position(max(symbols, key=lambda b: len(b.text)), s))
    if found is not None:
        text = _decode_crop(gray, found.quad)
        if text is not None:
            return QrFind(text, found.quad)
    return found


def _decode_crop(gray: np.ndarray, quad: np.ndarray) -> str | None:
    """A blurred symbol straightened to a square and binarised a few ways (each well under 1 ms)."""
    import zxingcpp

    centre = quad.mean(axis=0)
    for grow, size in ((1.15, _QR_CROP), (1.3, _QR_CROP * 3 // 4)):
        square = rectify(gray, centre + (quad - centre) * grow, size, size)
        otsu = cv2.threshold(square, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
        for img in (square, otsu):
            for binarizer in (zxingcpp.Binarizer.GlobalHistogram, zxingcpp.Binarizer.FixedThreshold):
                for symbol in _zxing(img, binarizer=binarizer):
                    if symbol.valid and symbol.text:
                        return symbol.text
    return None


# --- MRZ lines ---------------------------------------------------------------------------------


def _angle(box: TextBox) -> float:
    return line_direction(box.quad) % 180.0


def _aspect(box: TextBox) -> float:
    q = box.quad
    a, b = float(np.linalg.norm(q[1] - q[0])), float(np.linalg.norm(q[3] - q[0]))
    return max(a, b) / max(min(a, b), 1.0)


def _merge_collinear(lines: list[Line]) -> list[Line]:
    """Pieces of one printed line (split by the detector at a gap) joined again."""
    lines = sorted(lines, key=lambda ln: (ln.v, ln.u0))
    out: list[Line] = []
    for line in lines:
        for i, kept in enumerate(out):
            same_row = abs(kept.v - line.v) < 0.4 * min(kept.height, line.height)
            gap = max(kept.u0, line.u0) - min(kept.u1, line.u1)
            if same_row and gap < 1.5 * max(kept.height, line.height):
                u0, u1 = min(kept.u0, line.u0), max(kept.u1, line.u1)
                height = max(kept.height, line.height)
                out[i] = Line((u0 + u1) / 2, (kept.v + line.v) / 2, u1 - u0, height, min(kept.score, line.score))
                break
        else:
            out.append(line)
    return out


def _alike(lines: tuple[Line, ...]) -> bool:
    """Lines of one MRZ: equally long (within 20 %) and starting at the same place."""
    lengths = [ln.length for ln in lines]
    centres = [ln.u for ln in lines]
    return min(lengths) >= 0.8 * max(lengths) and max(centres) - min(centres) <= 0.1 * max(lengths)


def _triples(lines: list[Line]) -> list[tuple[Line, Line, Line]]:
    """Consecutive triples of equally long lines, stacked at an even pitch and aligned, best first."""
    lines = sorted(lines, key=lambda ln: ln.v)
    found = []
    for a, b, c in zip(lines, lines[1:], lines[2:], strict=False):
        height = float(np.median([a.height, b.height, c.height]))
        p1, p2 = b.v - a.v, c.v - b.v
        if not _alike((a, b, c)) or not (0.55 * height < min(p1, p2) and max(p1, p2) < 2.5 * height):
            continue
        if max(p1, p2) > 1.35 * min(p1, p2):
            continue
        found.append((a, b, c))
    found.sort(key=_irregularity)
    return found


def _completed(lines: list[Line]) -> list[tuple[Line, Line, Line]]:
    """Triples made of two detected lines and the third put where the line pitch says it is: a
    line the detector missed (glare, blur) above, between or below two that it found, the place
    that best fits the usual pitch first. Only reading the three tells whether the line is there."""
    lines = sorted(lines, key=lambda ln: ln.v)
    found: list[tuple[float, tuple[Line, Line, Line]]] = []
    for a, b in itertools.pairwise(lines):
        if not _alike((a, b)) or _irregularity((a, b)) >= _MRZ_REGULARITY:
            continue
        height = (a.height + b.height) / 2
        gap = b.v - a.v
        if 0.55 * height < gap < 2.5 * height:
            misfit = abs(gap / height - _PITCH_PER_HEIGHT)
            found += [(misfit, (_ghost(a, -gap), a, b)), (misfit, (a, b, _ghost(b, gap)))]
        if 1.4 * height < gap < 5.0 * height:
            found.append((abs(gap / 2 / height - _PITCH_PER_HEIGHT), (a, _ghost(a, gap / 2), b)))
    return [triple for _, triple in sorted(found, key=lambda item: item[0])]


def _ghost(line: Line, shift: float) -> Line:
    """An undetected line like ``line``, ``shift`` further down."""
    return Line(line.u, line.v + shift, line.length, line.height, 0.0)


def _irregularity(lines: tuple[Line, ...]) -> float:
    """How far the lines are from starting and ending together (MRZ lines are all 30 characters)."""
    starts, ends = [ln.u0 for ln in lines], [ln.u1 for ln in lines]
    return (float(np.ptp(starts)) + float(np.ptp(ends))) / max(ln.length for ln in lines)


def _directions(boxes: list[TextBox]) -> list[float]:
    """The directions of the long boxes (modulo 180 degrees) that at least one other long box
    shares, longest boxes first: each box's own, averaged over the long boxes within a degree
    of it (an MRZ two degrees off the ruled lines behind it keeps its own direction)."""
    long_boxes = [b for b in boxes if _aspect(b) >= _MIN_ASPECT]
    angles = np.array([_angle(b) for b in long_boxes])
    lengths = np.array([max(np.ptp(b.quad[:, 0]), np.ptp(b.quad[:, 1])) for b in long_boxes])
    found: list[float] = []
    for i in np.argsort(-lengths):
        offsets = angle_offsets(angles, float(angles[i]))
        near = np.abs(offsets) < _SAME_DIRECTION
        theta = float(angles[i] + np.average(offsets[near], weights=lengths[near]))
        if near.sum() >= 2 and all(abs(float(angle_offsets(theta, t))) >= _SAME_DIRECTION for t in found):
            found.append(theta)
    return found


def find_mrz_blocks(boxes: list[TextBox], limit: int = 3, qr_centre: np.ndarray | None = None) -> list[MrzBlock]:
    """MRZ candidates among the detector's ``boxes``, most likely first: three detected lines (the
    most regular first), then two with the third put at the line pitch. Other stacks of long lines
    (ruled handwriting behind the card) are candidates too: reading tells. ``qr_centre`` (the QR
    code's, in the boxes' pixels) tells later which way up the block is."""
    full: list[MrzBlock] = []
    partial: list[MrzBlock] = []
    for theta in _directions(boxes):
        frame = Frame.at(theta)
        all_lines = [frame.line(b) for b in boxes]
        parallel = [
            ln
            for b, ln in zip(boxes, all_lines, strict=True)
            if abs(angle_offsets(_angle(b), theta)) < _ANGLE_TOLERANCE and ln.length >= _MIN_ASPECT * ln.height
        ]
        lines = _merge_collinear(parallel)
        qr_v = None if qr_centre is None else float(np.asarray(qr_centre, np.float64) @ frame.v)
        for found, triples in ((full, _triples(lines)), (partial, _completed(lines))):
            for triple in triples:
                others = tuple(ln for ln in all_lines if all(abs(ln.v - m.v) > 0.5 * m.height for m in triple))
                block = MrzBlock(frame, triple, others, qr_v)
                if not any(block.same_place(kept) for kept in full + partial):
                    found.append(block)
    full.sort(key=lambda block: _irregularity(block.lines))
    return (full + partial)[:limit]


def shows_mrz(boxes: list[TextBox]) -> bool:
    """Whether the detector's ``boxes`` hold three lines stacked like an MRZ that start and end
    together, as 30 monospaced characters do (within a few per cent; ruled handwriting or a
    front's fields, when they stack, do not)."""
    return any(
        _irregularity(block.lines) < _MRZ_REGULARITY
        for block in find_mrz_blocks(boxes)
        if all(line.score > 0 for line in block.lines)
    )


class MrzSeenError(Exception):
    """A text detection made while looking for something else showed an MRZ."""


class MrzWatch:
    """An engine that raises :class:`MrzSeenError` when one of its text detections shows an MRZ
    (:func:`shows_mrz`): given to the front reader, it stops it at its first look at a back."""

    def __init__(self, engine: OcrEngine) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def detect(self, image: np.ndarray, limit_side: int) -> list[TextBox]:
        boxes = self._engine.detect(image, limit_side)
        if shows_mrz(boxes):
            raise MrzSeenError
        return boxes


def _line_crops(
    image: np.ndarray, block: MrzBlock, rows: tuple[int, ...] = (0, 1, 2), reach: float = _REACH
) -> list[np.ndarray]:
    """The block's lines ``rows`` cut out level at the recognizer's height, ``reach`` line pitches
    above and below each line's centre (the pitch, unlike a detected box's height, does not
    grow with blur)."""
    u0, u1 = block.span
    pad_u = 0.02 * (u1 - u0) + 0.5 * block.pitch
    half = reach * block.pitch
    width = max(16, round(_LINE_HEIGHT * (u1 - u0 + 2 * pad_u) / (2 * half)))
    quads = [
        block.frame.quad(u0 - pad_u, u1 + pad_u, block.lines[row].v - half, block.lines[row].v + half) for row in rows
    ]
    return [rectify(image, quad, width, _LINE_HEIGHT) for quad in quads]


def read_block(image: np.ndarray, block: MrzBlock, engine: OcrEngine) -> MrzReading:
    """Read the three lines of ``block`` from ``image`` (full resolution), as the block is oriented."""
    reads: list[TextRead] = engine.read(_line_crops(image, block))
    raw = tuple(r.text for r in reads)
    return MrzReading(raw, tuple(r.score for r in reads), mrz.parse(raw))


def read_mrz(image: np.ndarray, block: MrzBlock, engine: OcrEngine) -> tuple[MrzReading, MrzBlock]:
    """The block read the way up its surroundings suggest and, unless that reads as an MRZ with the
    QR code above it or passes every check digit, the other way too; lines whose check digits
    fail are then read again from other cuts."""
    first = block if block.looks_upright() else block.flipped()
    best = read_block(image, first, engine), first
    settled = best[0].parsed is not None and best[0].parsed.all_valid
    if not settled and not (block.qr_v is not None and _plausible(best[0])):
        second = first.flipped()
        other = read_block(image, second, engine), second
        best = other if other[0].rank() > best[0].rank() else best
    reading, oriented = best
    if reading.parsed is not None and not reading.parsed.all_valid and _plausible(reading):
        reading = reread(image, oriented, reading, engine)
    return reading, oriented


# The other cuts of a line whose check digits fail: taller and shorter crops, and the usual one
# with its contrast stretched and sharpened.
_REACHES = (0.56, 0.9)
# Which lines each check digit covers.
_CHECKED_ROWS = {"document_number": (0,), "birth": (1,), "expiry": (1,), "composite": (0, 1)}
# A line read with at least this score is not read again: on synthetic hard captures (seeds
# 7000-7099) no line read this surely was ever read differently, rightly, from another cut.
_SURE = 0.99


def reread(image: np.ndarray, block: MrzBlock, reading: MrzReading, engine: OcrEngine) -> MrzReading:
    """``reading`` with lines 1 and 2 read again from other cuts where their check digits fail.

    A check digit alone lets a wrong reading pass one time in ten (and the composite adds
    nothing to the document number's: their weights line up), so a new reading of a line
    is a candidate only when two of the other cuts read it alike; it is taken when every
    check digit covering it passes and the whole passes more checks than before.
    """
    assert reading.parsed is not None
    failing = [name for name, ok in reading.parsed.checks.items() if not ok]
    rows = tuple(
        row for row in sorted({r for name in failing for r in _CHECKED_ROWS[name]}) if reading.scores[row] < _SURE
    )
    if not rows:
        return reading
    crops = [crop for reach in _REACHES for crop in _line_crops(image, block, rows, reach)]
    crops += [_stretched(crop) for crop in _line_crops(image, block, rows)]
    reads = engine.read(crops)
    options = [[(text, score)] for text, score in zip(reading.raw, reading.scores, strict=True)]
    for k, row in enumerate(rows):
        options[row] += _agreed(reads[k :: len(rows)])
    best = reading
    for line1, line2 in itertools.product(options[0], options[1]):
        raw = (line1[0], line2[0], reading.raw[2])
        parsed = mrz.parse(raw)
        if parsed is None:
            continue
        changed = {row for row in (0, 1) if raw[row] != reading.raw[row]}
        covering = [name for name, covered in _CHECKED_ROWS.items() if changed & set(covered)]
        candidate = MrzReading(raw, (line1[1], line2[1], reading.scores[2]), parsed)
        if all(parsed.checks[name] for name in covering) and candidate.rank() > best.rank():
            best = candidate
    return best


def _agreed(reads: list[TextRead]) -> list[tuple[str, float]]:
    """The readings of one line that at least two cuts agree on (runs of fillers aside), each with
    its best-scored text.

    >>> _agreed([TextRead("AB1<<<<", 0.8), TextRead("AB7<<", 0.9), TextRead("AB1<<", 0.7)])
    [('AB1<<<<', 0.8)]
    """
    groups: dict[str, list[TextRead]] = {}
    for read in reads:
        groups.setdefault(re.sub("<+", "<", mrz.normalize_line(read.text)), []).append(read)
    return [
        (top.text, top.score)
        for top in (max(group, key=lambda r: r.score) for group in groups.values() if len(group) >= 2)
    ]


def _stretched(crop: np.ndarray) -> np.ndarray:
    """A crop with its grey levels stretched to the full range and its strokes sharpened."""
    low, high = np.percentile(crop, (2, 98))
    stretched = np.clip((crop.astype(np.float32) - low) * (255.0 / max(high - low, 1.0)), 0, 255)
    blurred = cv2.GaussianBlur(stretched, (0, 0), 1.5)
    return np.clip(stretched * 1.8 - blurred * 0.8, 0, 255).astype(np.uint8)


# --- Text above the MRZ ------------------------------------------------------------------------

# In MRZ line pitches above the first MRZ line, and in MRZ widths from its left end.
_TEXT_ROWS = (-5.0, -2.2)
_VALUE_START = (0.10, 0.40)
_SPLIT_ROW = -3.45


def read_text_lines(image: np.ndarray, block: MrzBlock, engine: OcrEngine) -> tuple[TextLine | None, TextLine | None]:
    """Birthplace and profession: the values printed left-aligned in a column over the MRZ."""
    u0, u1 = block.span
    width, top, pitch = u1 - u0, block.lines[0].v, block.pitch
    values = [
        ln
        for ln in block.others
        if _TEXT_ROWS[0] <= (ln.v - top) / pitch <= _TEXT_ROWS[1]
        and _VALUE_START[0] <= (ln.u0 - u0) / width <= _VALUE_START[1]
    ]
    values = sorted(values, key=lambda ln: ln.v)[-2:]
    if not values:
        return None, None
    crops = []
    for ln in values:
        half = 0.6 * ln.height
        quad = block.frame.quad(ln.u0 - 0.3 * ln.height, ln.u1 + 0.3 * ln.height, ln.v - half, ln.v + half)
        width = max(16, round(_LINE_HEIGHT * (ln.length + 0.6 * ln.height) / (2 * half)))
        crops.append(rectify(image, quad, width, _LINE_HEIGHT))
    reads = engine.read(crops)
    texts = [TextLine(r.text.strip(), r.score) for r in reads]
    if len(texts) == 2:
        return texts[0], texts[1]
    if (values[0].v - top) / pitch < _SPLIT_ROW:
        return texts[0], None
    return None, texts[0]


# --- The whole back ----------------------------------------------------------------------------


def _plausible(reading: MrzReading) -> bool:
    """Three lines that read as a TD1 zone: two check digits passing, or the digits of line 2's dates
    and fillers where a TD1 zone has them (any text reads as *some* TD1 once repaired).

    >>> _plausible(MrzReading(("Lorem ipsum dolor sit amet 1",) * 3, (0.9,) * 3, None))
    False
    """
    td1 = reading.parsed
    if td1 is None:
        return False
    line2 = mrz.normalize_line(reading.raw[1])
    digits = sum(c.isdigit() for c in line2[0:7] + line2[8:15])
    fillers = sum(mrz.normalize_line(line).count("<") for line in reading.raw)
    return sum(td1.checks.values()) >= 2 or (digits >= 11 and fillers >= 4)


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
            if _plausible(reading):
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
        return BackReading(None, payload, None, None)
    reading, block = located
    birthplace, profession = read_text_lines(image, block, engine)
    return BackReading(reading, payload, birthplace, profession)
