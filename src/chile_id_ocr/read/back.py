"""Read the back of the card: the machine-readable zone, the QR code and the two text lines above them.

The MRZ is found from the text detector's boxes: three long, parallel lines of the same
length stacked at one line pitch. Their common direction gives the card's rotation modulo
180 degrees; each line is then cut out of the full-resolution image along that direction
and read, first the way up the rest of the card's text suggests and, unless every check
digit passes, also upside down. The reading whose check digits pass wins.

The QR code is decoded with zxing-cpp, which finds it at any rotation. A symbol that is
found but too blurred to decode is cut out, straightened and binarised, and tried again.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from chile_id_ocr.card import mrz, qr
from chile_id_ocr.read.ocr import OcrEngine, TextBox, TextRead
from chile_id_ocr.vision.geometry import rectify

DETECT_SIDE = 960  # the whole image is searched for the MRZ at this size
_FINE_SIDE = 1600  # ... and at this size when it is not found at DETECT_SIDE
_CARD_SEARCH_SIDE = 1280  # a located card is searched at this size when the whole image fails
_MIN_ASPECT = 6.0  # an MRZ line is at least this many times longer than tall
_LINE_HEIGHT = 48  # line crops are cut at the recognizer's input height
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


@dataclass(frozen=True)
class MrzBlock:
    """Three MRZ lines found in the image, top to bottom in ``frame`` (which may be upside down)."""

    frame: Frame
    lines: tuple[Line, Line, Line]
    others: tuple[Line, ...]  # the other text lines, in the same frame

    @property
    def pitch(self) -> float:
        return (self.lines[2].v - self.lines[0].v) / 2

    @property
    def span(self) -> tuple[float, float]:
        u0 = min(line.u0 for line in self.lines)
        u1 = max(line.u1 for line in self.lines)
        return u0, u1

    def flipped(self) -> MrzBlock:
        def flip(line: Line) -> Line:
            return Line(-line.u, -line.v, line.length, line.height, line.score)

        a, b, c = (flip(line) for line in self.lines)
        return MrzBlock(self.frame.flipped(), (c, b, a), tuple(flip(line) for line in self.others))

    def looks_upright(self) -> bool:
        """The rest of the card's text lies above the MRZ when the block is the right way up."""
        above = sum(line.length for line in self.others if line.v < self.lines[0].v)
        below = sum(line.length for line in self.others if line.v > self.lines[2].v)
        return above >= below

    def quad(self) -> np.ndarray:
        u0, u1 = self.span
        pad = self.pitch
        return self.frame.quad(u0 - pad, u1 + pad, self.lines[0].v - pad, self.lines[2].v + pad)


@dataclass(frozen=True)
class MrzReading:
    """The MRZ as read: the engine's three lines, their scores, and the parse (None if not TD1)."""

    raw: tuple[str, ...]
    scores: tuple[float, ...]
    parsed: mrz.Td1 | None
    quads: tuple[np.ndarray, ...]

    def rank(self) -> tuple[int, float]:
        checks = sum(self.parsed.checks.values()) if self.parsed is not None else -1
        return checks, float(np.mean(self.scores)) if self.scores else 0.0


@dataclass(frozen=True)
class TextLine:
    """A line of printed text on the back (birthplace, profession)."""

    text: str
    score: float
    quad: np.ndarray


@dataclass(frozen=True)
class BackReading:
    """What the back gave: the MRZ (or None), the QR payload (or None) and the text lines above."""

    mrz: MrzReading | None
    qr: qr.QrPayload | None
    qr_quad: np.ndarray | None
    birthplace: TextLine | None
    profession: TextLine | None
    card_quad: np.ndarray | None


# --- QR ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrFind:
    """A QR symbol found in the image: its payload when it decoded, and where it is (image pixels)."""

    text: str | None
    quad: np.ndarray


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
    q = box.quad
    a, b = q[1] - q[0], q[3] - q[0]
    long_side = a if np.linalg.norm(a) >= np.linalg.norm(b) else b
    return math.degrees(math.atan2(float(long_side[1]), float(long_side[0]))) % 180.0


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


def _triples(lines: list[Line]) -> list[tuple[Line, Line, Line]]:
    """Consecutive triples of equally long lines, stacked at an even pitch and aligned, best first."""
    lines = sorted(lines, key=lambda ln: ln.v)
    found = []
    for a, b, c in zip(lines, lines[1:], lines[2:], strict=False):
        lengths = (a.length, b.length, c.length)
        height = float(np.median([a.height, b.height, c.height]))
        p1, p2 = b.v - a.v, c.v - b.v
        if min(lengths) < 0.8 * max(lengths) or not (0.7 * height < min(p1, p2) and max(p1, p2) < 2.5 * height):
            continue
        if max(p1, p2) > 1.35 * min(p1, p2):
            continue
        if max(ln.u for ln in (a, b, c)) - min(ln.u for ln in (a, b, c)) > 0.1 * max(lengths):
            continue
        found.append((a, b, c))
    found.sort(key=_irregularity)
    return found


def _irregularity(lines: tuple[Line, Line, Line]) -> float:
    """How far the lines are from starting and ending together (MRZ lines are all 30 characters)."""
    starts, ends = [ln.u0 for ln in lines], [ln.u1 for ln in lines]
    return (float(np.ptp(starts)) + float(np.ptp(ends))) / max(ln.length for ln in lines)


def find_mrz_blocks(boxes: list[TextBox], limit: int = 3) -> list[MrzBlock]:
    """MRZ candidates among the detector's ``boxes``, most likely first (other stacks of long
    lines, such as ruled handwriting behind the card, are candidates too: reading tells)."""
    long_boxes = [b for b in boxes if _aspect(b) >= _MIN_ASPECT]
    if len(long_boxes) < 3:
        return []
    angles = np.array([_angle(b) for b in long_boxes])
    weights = np.array([max(np.ptp(b.quad[:, 0]), np.ptp(b.quad[:, 1])) for b in long_boxes])
    hist, _ = np.histogram(angles, bins=36, range=(0, 180), weights=weights)
    smooth = hist + np.roll(hist, 1) + np.roll(hist, -1)
    blocks: list[MrzBlock] = []
    tried: list[int] = []
    for peak in (int(i) for i in np.argsort(smooth)[::-1]):
        if smooth[peak] <= 0 or len(tried) >= 3:
            break
        if any(min(abs(peak - t), 36 - abs(peak - t)) < 3 for t in tried):
            continue
        tried.append(peak)
        centre = (peak + 0.5) * 5.0
        near = np.abs((angles - centre + 90.0) % 180.0 - 90.0) < 10.0
        theta = float(centre + np.average((angles[near] - centre + 90.0) % 180.0 - 90.0, weights=weights[near]))
        frame = Frame.at(theta)
        all_lines = [frame.line(b) for b in boxes]
        lines = _merge_collinear([ln for ln in all_lines if ln.length >= _MIN_ASPECT * ln.height])
        for triple in _triples(lines):
            others = tuple(ln for ln in all_lines if all(abs(ln.v - m.v) > 0.5 * m.height for m in triple))
            blocks.append(MrzBlock(frame, triple, others))
    return blocks[:limit]


def _line_crops(image: np.ndarray, block: MrzBlock) -> tuple[list[np.ndarray], list[np.ndarray]]:
    u0, u1 = block.span
    pad_u = 0.02 * (u1 - u0) + 0.5 * block.pitch
    crops, quads = [], []
    for line in block.lines:
        half = 0.62 * max(line.height, 0.75 * block.pitch)
        quad = block.frame.quad(u0 - pad_u, u1 + pad_u, line.v - half, line.v + half)
        width = max(16, round(_LINE_HEIGHT * (u1 - u0 + 2 * pad_u) / (2 * half)))
        crops.append(rectify(image, quad, width, _LINE_HEIGHT))
        quads.append(quad)
    return crops, quads


def read_block(image: np.ndarray, block: MrzBlock, engine: OcrEngine) -> MrzReading:
    """Read the three lines of ``block`` from ``image`` (full resolution), as the block is oriented."""
    crops, quads = _line_crops(image, block)
    reads: list[TextRead] = engine.read(crops)
    raw = tuple(r.text for r in reads)
    return MrzReading(raw, tuple(r.score for r in reads), mrz.parse(raw), tuple(quads))


def read_mrz(image: np.ndarray, block: MrzBlock, engine: OcrEngine) -> tuple[MrzReading, MrzBlock]:
    """The block read the way up its surroundings suggest and, unless all checks pass, the other way too."""
    first = block if block.looks_upright() else block.flipped()
    best = read_block(image, first, engine), first
    if best[0].parsed is not None and best[0].parsed.all_valid:
        return best
    second = first.flipped()
    other = read_block(image, second, engine), second
    return other if other[0].rank() > best[0].rank() else best


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
    quads, crops = [], []
    for ln in values:
        half = 0.6 * ln.height
        quad = block.frame.quad(ln.u0 - 0.3 * ln.height, ln.u1 + 0.3 * ln.height, ln.v - half, ln.v + half)
        quads.append(quad)
        width = max(16, round(_LINE_HEIGHT * (ln.length + 0.6 * ln.height) / (2 * half)))
        crops.append(rectify(image, quad, width, _LINE_HEIGHT))
    reads = engine.read(crops)
    texts = [TextLine(r.text.strip(), r.score, q) for r, q in zip(reads, quads, strict=True)]
    if len(texts) == 2:
        return texts[0], texts[1]
    if (values[0].v - top) / pitch < _SPLIT_ROW:
        return texts[0], None
    return None, texts[0]


# --- The whole back ----------------------------------------------------------------------------


def _plausible(reading: MrzReading) -> bool:
    """Three lines that read as a TD1 zone: two check digits passing, or the digits of line 2's dates
    and fillers where a TD1 zone has them (any text reads as *some* TD1 once repaired).

    >>> _plausible(MrzReading(("Lorem ipsum dolor sit amet 1",) * 3, (0.9,) * 3, None, ()))
    False
    """
    td1 = reading.parsed
    if td1 is None:
        return False
    line2 = mrz.normalize_line(reading.raw[1])
    digits = sum(c.isdigit() for c in line2[0:7] + line2[8:15])
    fillers = sum(mrz.normalize_line(line).count("<") for line in reading.raw)
    return sum(td1.checks.values()) >= 2 or (digits >= 11 and fillers >= 4)


def locate_and_read(
    image: np.ndarray, engine: OcrEngine, card_quads: list[np.ndarray]
) -> tuple[MrzReading, MrzBlock, np.ndarray] | None:
    """The MRZ read, its block and the image it lies in. Searched in the whole image, then the image
    turned by 90 degrees (the detector breaks text running near vertically into pieces), both again at
    a finer scale, then each card candidate rectified; the first block that reads as an MRZ wins."""
    turned = functools.cache(lambda: cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE))
    sources = [lambda: (image, DETECT_SIDE), lambda: (turned(), DETECT_SIDE)]
    sources += [lambda: (image, _FINE_SIDE), lambda: (turned(), _FINE_SIDE)]  # a small card in a large frame
    for quad in card_quads:
        sources.append(
            lambda q=quad: (rectify(image, q, _CARD_SEARCH_SIDE, round(_CARD_SEARCH_SIDE / 1.585)), _CARD_SEARCH_SIDE)
        )
    for make in sources:
        source, side = make()
        for block in find_mrz_blocks(engine.detect(source, side)):
            reading, oriented = read_mrz(source, block, engine)
            if _plausible(reading):
                return reading, oriented, source
    return None


def read_back(
    image: np.ndarray, engine: OcrEngine, qr_found: QrFind | None, card_quads: list[np.ndarray]
) -> BackReading:
    """Everything the back gives. ``qr_found`` is :func:`find_qr`'s result (the caller needed it first)."""
    payload = qr.parse(qr_found.text) if qr_found is not None and qr_found.text else None
    qr_quad = qr_found.quad if qr_found is not None else None
    located = locate_and_read(image, engine, card_quads)
    if located is None:
        return BackReading(None, payload, qr_quad, None, None, None)
    reading, block, source = located
    birthplace, profession = read_text_lines(source, block, engine)
    if source is not image:  # read from a rectified card: positions in the card's pixels are dropped
        reading = MrzReading(reading.raw, reading.scores, reading.parsed, ())
        birthplace = birthplace and TextLine(birthplace.text, birthplace.score, np.empty((0, 2)))
        profession = profession and TextLine(profession.text, profession.score, np.empty((0, 2)))
    return BackReading(reading, payload, qr_quad, birthplace, profession, None)
