"""Where each value line of a fitted card is, and its crops: the detector's boxes assigned to
the design's lines by position (the design's zone where the detector saw nothing), the card
rectified at the reading size (and deblurred when smeared), one tight crop per line and view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chile_id_ocr.card import formats
from chile_id_ocr.card.layouts import Layout, LineSpec
from chile_id_ocr.locate.fit import CardFit, NormBox
from chile_id_ocr.locate.views import Box, crop_box
from chile_id_ocr.models.ocr import TextRead
from chile_id_ocr.vision.geometry import card_to_image, map_points

# Width of a line's zone when the detector found nothing there (fraction of the card).
_ZONE_WIDTH = {
    "sex": 0.05, "run_small": 0.14, "run_large": 0.31, "surname_1": 0.40, "surname_2": 0.40, "given_name": 0.45,
    "birth": 0.235, "issue_date": 0.235, "expiry_date": 0.26,  # 08 MAYO 1975, 30 SEPT 2029
}  # fmt: skip

_DEFAULT_ZONE_WIDTH = 0.21
# A box running this far (card width) into another column holds that column's value too.
_RUN_INTO = 0.03
_INSIDE = 0.015  # ... and that value is cut from this far inside its column

# A line read differently on the card as captured and on the card deblurred keeps this
# share of its score.
_VIEWS_DIFFER = 0.85

# Right readings start within 0.01 of the card's width of their column's edge.
_LATE_START = 0.015


@dataclass(frozen=True)
class LineReading:
    """What was read on one printed line, and where (card coordinates x0, y0, x1, y1)."""

    name: str
    text: str
    score: float
    box: Box
    detected: bool
    repaired: str = ""  # why the text is not the recognizer's best reading, if it is not
    late: bool = False  # a left-aligned line detected starting right of its column (``starts_late``)

    def image_quad(self, card_quad: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.box
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
        return map_points(card_to_image(card_quad), corners)


def _column_of(box: NormBox, spec: LineSpec) -> bool:
    return spec.column[0] - 0.035 <= box.x0 < spec.column[1] - 0.02


def _spans_middle(box: NormBox, spec: LineSpec) -> bool:
    """Whether ``box`` covers the middle half of the line's row."""
    return box.y0 <= spec.y - spec.height / 4 and spec.y + spec.height / 4 <= box.y1


def _runs_into(box: NormBox, spec: LineSpec) -> bool:
    """Whether ``box`` starts in an earlier column and runs on into the line's (the detector
    merges a long date with the number beside it)."""
    return (
        abs(box.cy - spec.y) < 0.45 * spec.height
        and box.x0 < spec.column[0] - 0.05
        and box.x1 > spec.column[0] + _RUN_INTO
    )


def _from_column(box: NormBox, spec: LineSpec) -> NormBox:
    """The part of ``box`` from just inside the line's column on (the earlier column's text
    may reach its edge)."""
    quad = box.quad.copy()
    quad[:, 0] = np.maximum(quad[:, 0], spec.column[0] + _INSIDE)
    return NormBox(quad, box.score)


def assign_lines(boxes: tuple[NormBox, ...], layout: Layout) -> dict[str, tuple[Box, bool]]:
    """The box of each value line, and whether the detector found it there.

    A found line's box is the union of the detected boxes in its row and column; a
    missing line gets the design's zone.
    """
    assigned: dict[str, list[NormBox]] = {spec.name: [] for spec in layout.values}
    for box in boxes:
        best, best_dy = None, 0.0
        for spec in layout.lines:
            dy = abs(box.cy - spec.y)
            limit = 0.45 * spec.height
            if dy < limit and _column_of(box, spec) and (best is None or dy < best_dy):
                best, best_dy = spec, dy
        if best is not None and best.is_value:
            assigned[best.name].append(box)
        # Under blur the detector can merge lines one above the other into one box: it belongs
        # to every value line whose middle it spans.
        for spec in layout.values:
            if spec is not best and _spans_middle(box, spec) and _column_of(box, spec):
                assigned[spec.name].append(box)
            elif spec is not best and _runs_into(box, spec):
                assigned[spec.name].append(_from_column(box, spec))
    out: dict[str, tuple[Box, bool]] = {}
    for spec in layout.values:
        found = assigned[spec.name]
        if found:
            y0, y1 = min(b.y0 for b in found), max(b.y1 for b in found)
            top, bottom = _band(spec, y0, y1)
            # A detector box can run on into the next column (a date merged with the number beside it).
            right = min(max(b.x1 for b in found), spec.column[1] + 0.01)
            out[spec.name] = ((min(b.x0 for b in found), top, right, bottom), True)
        else:
            width = _ZONE_WIDTH.get(spec.name, _DEFAULT_ZONE_WIDTH)
            x0 = spec.column[0] - 0.005
            out[spec.name] = ((x0, spec.y - spec.height / 2, x0 + width, spec.y + spec.height / 2), False)
    return out


def _band(spec: LineSpec, y0: float, y1: float) -> tuple[float, float]:
    """The line's rows: the detected ones, unless the detector merged in a neighbouring line.

    At the detector's resolution a value can merge with the label just above it; the
    fitted layout knows where the line's middle is, so an over-tall box is cut to it.
    """
    centre = (y0 + y1) / 2 if y1 - y0 <= 1.15 * spec.height else spec.y
    half = 0.49 * spec.height
    return max(y0, centre - half), min(y1, centre + half)


def read_crops(views: tuple[np.ndarray, ...], line: LineReading, spec: LineSpec) -> list[np.ndarray]:
    """The crops that ``line`` was read from, one per view, those with pixels."""
    return [crop for crop in crop_box(views, cut_box(line.box, spec)) if crop.size]


def starts_late(box: Box, spec: LineSpec) -> bool:
    """Whether a left-aligned line's box starts more than about a character right of its
    column's edge: a glare hid its first characters from the detector."""
    return spec.left_aligned and box[0] - spec.column[0] > _LATE_START


def line_crops(
    views: tuple[np.ndarray, ...], fit: CardFit, layout: Layout
) -> dict[str, tuple[tuple[np.ndarray, ...], Box, bool]]:
    """Each value line's tight crop from each of the card's ``views`` (``card_views``), its
    box, and whether the detector found it (the reader's input; the recognizer's training
    data). A line that starts late is cut from its column's edge: the recognizer may still
    read what a glare hid from the detector."""
    lines = assign_lines(fit.boxes, layout)
    return {
        name: (crop_box(views, cut_box(box, layout.field(name))), box, found) for name, (box, found) in lines.items()
    }


def cut_box(box: Box, spec: LineSpec) -> Box:
    """Where a line's box is cut from the card: from its column's edge when it starts late."""
    return (spec.column[0] - 0.005, box[1], box[2], box[3]) if starts_late(box, spec) else box


def best_view(name: str, reads: list[TextRead]) -> TextRead:
    """The reading of the view that reads line ``name`` best: one with the field's format
    first, then the surest. Views that read different texts leave it doubtful: its score
    is lowered."""
    best = max(reads, key=lambda read: (formats.has_format(name, read.text), read.score))
    if len({read.text for read in reads}) > 1:
        return TextRead(best.text, best.score * _VIEWS_DIFFER)
    return best
