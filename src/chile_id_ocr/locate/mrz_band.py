"""Finding the MRZ among the detector's boxes: three long, parallel lines that start and end
together, stacked at one line pitch (or two, with the third where the pitch puts it). Their
common direction gives the card's rotation modulo 180 degrees (``Frame``); ``MrzBlock`` holds
the lines and the card's other text in that frame.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from chile_id_ocr.models.ocr import TextBox
from chile_id_ocr.vision.geometry import angle_offsets, line_direction, map_points, rectify

DETECT_SIDE = 960  # the whole image is searched for the MRZ at this size
_MIN_ASPECT = 6.0  # an MRZ line is at least this many times longer than tall
# The MRZ's line pitch in detected line heights (synthetic backs: the detector's MRZ boxes are
# 1.04 to 1.38 pitches tall, 1.2 typically).
_PITCH_PER_HEIGHT = 0.83
_ANGLE_TOLERANCE = 4.0  # degrees: the lines of one MRZ run parallel within this
_SAME_DIRECTION = 1.0  # degrees: boxes this close in direction share a frame
# Detected MRZ lines start and end together within about 3 % of their length; other stacks of
# long lines seen on fronts and backgrounds (synthetic, seeds 7000-7029) within 9 % at best.
_MRZ_REGULARITY = 0.05


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
    The frame is in image pixels, or in a view's whose homography to the image's is ``to_image``
    (a card seen in perspective, levelled by its QR code): :meth:`image_quad` maps a rectangle
    of the frame to the image, where the lines are cut out.
    """

    frame: Frame
    lines: tuple[Line, Line, Line]
    others: tuple[Line, ...]  # the other text lines, in the same frame
    qr_v: float | None = None
    to_image: np.ndarray | None = None

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
        others = tuple(_flip(line) for line in self.others)
        return MrzBlock(self.frame.flipped(), (c, b, a), others, qr_v, self.to_image)

    def image_quad(self, u0: float, u1: float, v0: float, v1: float) -> np.ndarray:
        """Image corners of the frame's rectangle, clockwise from its top-left (as read)."""
        quad = self.frame.quad(u0, u1, v0, v1)
        return quad if self.to_image is None else map_points(self.to_image, quad)

    def cut(self, image: np.ndarray, u0: float, u1: float, v0: float, v1: float, height: int) -> np.ndarray:
        """The frame's rectangle cut out of the image, level, ``height`` px high and as wide as its
        proportions in the image say."""
        quad = self.image_quad(u0, u1, v0, v1)
        along = float(np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
        across = float(np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
        return rectify(image, quad, max(16, round(height * along / max(across, 1.0))), height)

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


def _cut_short(lines: tuple[Line, ...]) -> bool:
    """Lines of one MRZ, some cut short by the detector (which may miss a run of fillers after a
    gap): starting or ending together (either way up), each at least 60 % of the longest."""
    longest = max(ln.length for ln in lines)
    together = min(np.ptp([ln.u0 for ln in lines]), np.ptp([ln.u1 for ln in lines])) <= 0.05 * longest
    return together and min(ln.length for ln in lines) >= 0.6 * longest


def _triples(lines: list[Line], cut_short: bool = False) -> list[tuple[Line, Line, Line]]:
    """Consecutive triples of equally long lines, stacked at an even pitch and aligned, best first;
    with ``cut_short``, also lines that only start together (:func:`_cut_short`)."""
    lines = sorted(lines, key=lambda ln: ln.v)
    found = []
    for a, b, c in zip(lines, lines[1:], lines[2:], strict=False):
        height = float(np.median([a.height, b.height, c.height]))
        p1, p2 = b.v - a.v, c.v - b.v
        alike = _alike((a, b, c)) or (cut_short and _cut_short((a, b, c)))
        if not alike or not (0.55 * height < min(p1, p2) and max(p1, p2) < 2.5 * height):
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


def find_mrz_blocks(
    boxes: list[TextBox], limit: int = 3, qr_centre: np.ndarray | None = None, cut_short: bool = False
) -> list[MrzBlock]:
    """MRZ candidates among the detector's ``boxes``, most likely first: three detected lines (the
    most regular first), then two with the third put at the line pitch. Other stacks of long lines
    (ruled handwriting behind the card) are candidates too: reading tells. ``qr_centre`` (the QR
    code's, in the boxes' pixels) tells later which way up the block is. ``cut_short``: where the
    boxes are of a card seen straight on, three lines that only start together are one too."""
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
        for found, triples in ((full, _triples(lines, cut_short)), (partial, _completed(lines))):
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
