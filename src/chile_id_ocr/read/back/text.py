"""The text printed over the MRZ: birthplace and profession, values left-aligned in a column."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chile_id_ocr.read.back.mrz_read import LINE_HEIGHT
from chile_id_ocr.read.back.mrz_search import MrzBlock
from chile_id_ocr.read.ocr import OcrEngine
from chile_id_ocr.vision.geometry import rectify


@dataclass(frozen=True)
class TextLine:
    """A line of printed text on the back (birthplace, profession)."""

    text: str
    score: float


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
        width = max(16, round(LINE_HEIGHT * (ln.length + 0.6 * ln.height) / (2 * half)))
        crops.append(rectify(image, quad, width, LINE_HEIGHT))
    reads = engine.read(crops)
    texts = [TextLine(r.text.strip(), r.score) for r in reads]
    if len(texts) == 2:
        return texts[0], texts[1]
    if (values[0].v - top) / pitch < _SPLIT_ROW:
        return texts[0], None
    return None, texts[0]
