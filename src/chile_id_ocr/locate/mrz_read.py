"""Reading a found MRZ: each line cut out level at the recognizer's height from the full-resolution
image and read, first the way up the QR code (or the rest of the card's text) says and, unless
that settles it, also upside down. The reading whose check digits pass wins; lines whose check
digits fail are read again from other cuts, and a new reading is kept only where two cuts agree
and the check digits then pass.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import cv2
import numpy as np

from chile_id_ocr.card import mrz
from chile_id_ocr.card.text import edit_distance
from chile_id_ocr.locate.mrz_band import MrzBlock
from chile_id_ocr.models.mrz_reader import MAX_EDITS, ZoneRead, get_mrz_reader
from chile_id_ocr.models.ocr import TextEngine, TextRead

LINE_HEIGHT = 48  # line crops are cut at the recognizer's input height
# ... reaching this many line pitches above and below the line's centre (of 0.6 to 0.75, the
# best on synthetic photos and hard captures, seeds 7000-7099).
_REACH = 0.7


@dataclass(frozen=True)
class MrzReading:
    """The MRZ as read: the engine's three lines, their scores, and the parse (None if not TD1)."""

    raw: tuple[str, ...]
    scores: tuple[float, ...]
    parsed: mrz.Td1 | None

    def rank(self) -> tuple[int, float]:
        checks = sum(self.parsed.checks.values()) if self.parsed is not None else -1
        return checks, float(np.mean(self.scores)) if self.scores else 0.0


def _line_crops(
    image: np.ndarray, block: MrzBlock, rows: tuple[int, ...] = (0, 1, 2), reach: float = _REACH
) -> list[np.ndarray]:
    """The block's lines ``rows`` cut out level at the recognizer's height, ``reach`` line pitches
    above and below each line's centre (the pitch, unlike a detected box's height, does not
    grow with blur)."""
    u0, u1 = block.span
    pad_u = 0.02 * (u1 - u0) + 0.5 * block.pitch
    half = reach * block.pitch
    return [
        block.cut(image, u0 - pad_u, u1 + pad_u, block.lines[row].v - half, block.lines[row].v + half, LINE_HEIGHT)
        for row in rows
    ]


def read_block(image: np.ndarray, block: MrzBlock, engine: TextEngine) -> MrzReading:
    """Read the three lines of ``block`` from ``image`` (full resolution), as the block is oriented:
    by the MRZ reader (under the TD1 grammar where its free reading allows) where it is installed
    and its reading passes as many check digits as the general recognizer's, else by the general one."""
    crops = _line_crops(image, block)
    reads: list[TextRead] = engine.read(crops)
    raw = tuple(r.text for r in reads)
    general = MrzReading(raw, tuple(r.score for r in reads), mrz.parse(raw))
    learned = _learned(crops, engine)
    return learned if learned is not None and learned.rank()[0] >= max(general.rank()[0], _CHECKS) else general


# A line of the MRZ reader's reading under the grammar is taken only where its free reading of the
# line is within this many edits of it (two where the free reading has not 30 characters): the
# grammar and the check digits make *any* text read as some TD1 zone, and a free reading short of
# a few fillers is better fitted to 30 by ``mrz.parse`` (a run of fillers) than by the alignment
# (which would rather split a digit). Elsewhere the free reading is taken.
_CLOSE = MAX_EDITS
_CLOSE_SHORT = 2
# ... and it is preferred to the general recognizer's where it passes as many check digits, and two at least.
_CHECKS = 2


def _learned(crops: list[np.ndarray], engine: TextEngine) -> MrzReading | None:
    """The three line crops read by the MRZ reader (``models/mrz_reader.py``), or None (no reader installed)."""
    reader = get_mrz_reader()
    if reader is None or not all(crop.size for crop in crops):
        return None
    return zone_reading(reader.read_zone([engine.features(crop) for crop in crops]))


def zone_reading(read: ZoneRead) -> MrzReading:
    """The MRZ reader's reading: each line under the grammar where its free reading is close to it, else free."""
    lines, scores = [], []
    for k, text in enumerate(read.greedy):
        free = mrz.normalize_line(text)
        close = _CLOSE if len(free) == mrz.LINE_LENGTH else _CLOSE_SHORT
        if read.zone is not None and edit_distance(free, read.zone.lines[k]) <= close:
            lines.append(read.zone.lines[k])
            scores.append(read.zone.scores[k])
        else:
            lines.append(free)
            scores.append(read.greedy_scores[k])
    return MrzReading(tuple(lines), tuple(scores), mrz.parse(lines))


def read_mrz(image: np.ndarray, block: MrzBlock, engine: TextEngine) -> tuple[MrzReading, MrzBlock]:
    """The block read the way up its surroundings suggest and, unless that reads as an MRZ with the
    QR code above it or passes every check digit, the other way too; lines whose check digits
    fail are then read again from other cuts."""
    first = block if block.looks_upright() else block.flipped()
    best = read_block(image, first, engine), first
    settled = best[0].parsed is not None and best[0].parsed.all_valid
    if not settled and not (block.qr_v is not None and plausible(best[0])):
        second = first.flipped()
        other = read_block(image, second, engine), second
        best = other if other[0].rank() > best[0].rank() else best
    reading, oriented = best
    if reading.parsed is not None and not reading.parsed.all_valid and plausible(reading):
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


def reread(image: np.ndarray, block: MrzBlock, reading: MrzReading, engine: TextEngine) -> MrzReading:
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


def plausible(reading: MrzReading) -> bool:
    """Three lines that read as a TD1 zone: two check digits passing, or the digits of line 2's dates
    and fillers where a TD1 zone has them (any text reads as *some* TD1 once repaired).

    >>> plausible(MrzReading(("Lorem ipsum dolor sit amet 1",) * 3, (0.9,) * 3, None))
    False
    """
    td1 = reading.parsed
    if td1 is None:
        return False
    line2 = mrz.normalize_line(reading.raw[1])
    digits = sum(c.isdigit() for c in line2[0:7] + line2[8:15])
    fillers = sum(mrz.normalize_line(line).count("<") for line in reading.raw)
    return sum(td1.checks.values()) >= 2 or (digits >= 11 and fillers >= 4)
