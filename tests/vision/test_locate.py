"""Finding the card from the text detector's boxes: the block of the card's own lines, not
the handwriting around it, in the direction its lines run."""

from __future__ import annotations

import numpy as np

from chile_id_ocr.locate.text_blocks import text_candidates
from chile_id_ocr.models.ocr import TextBox
from chile_id_ocr.vision.geometry import line_direction


def _box(x0: float, y0: float, x1: float, y1: float) -> TextBox:
    return TextBox(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32), 0.9)


def _card_lines(left: float, top: float) -> list[TextBox]:
    """Ten lines of a card's data block: 20 px high, 30 px apart, in a 500 x 320 px card."""
    return [_box(left + 170, top + 40 + 30 * k, left + 170 + 120 + 10 * (k % 3), top + 60 + 30 * k) for k in range(10)]


def _handwriting(top: float, rows: int) -> list[TextBox]:
    """Lines of handwriting twice the card's text height, a card line's gap away."""
    return [_box(40, top + 70 * k, 700, top + 70 * k + 45) for k in range(rows)]


def test_handwriting_next_to_the_card_stays_out_of_its_block() -> None:
    card = _card_lines(left=100, top=300)
    boxes = _handwriting(top=30, rows=4) + card + _handwriting(top=670, rows=4)
    first = text_candidates(boxes)[0]
    lo, hi = first.min(axis=0), first.max(axis=0)
    card_lo = np.min([b.quad.min(axis=0) for b in card], axis=0)
    card_hi = np.max([b.quad.max(axis=0) for b in card], axis=0)
    assert lo[1] > 250 and hi[1] < 700  # the handwriting rows lie above 240 and below 670
    assert lo[0] <= card_lo[0] and hi[0] >= card_hi[0] and lo[1] <= card_lo[1] and hi[1] >= card_hi[1]


def test_a_vertical_lines_direction_is_its_long_side() -> None:
    """The detector may list a vertical line's corners starting from its short side."""
    upright = TextBox(np.array([[100, 100], [120, 100], [120, 300], [100, 300]], np.float32), 0.9)
    assert abs(abs(line_direction(upright.quad)) - 90.0) < 1e-6
