"""The text printed over the MRZ: birthplace (or visa) and profession, values left-aligned in a column."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chile_id_ocr.card import text
from chile_id_ocr.locate.mrz_band import Line, MrzBlock
from chile_id_ocr.locate.mrz_read import LINE_HEIGHT
from chile_id_ocr.models.ocr import TextEngine


@dataclass(frozen=True)
class TextLine:
    """A line of printed text on the back (birthplace, profession, visa)."""

    text: str
    score: float


@dataclass(frozen=True)
class BackText:
    """The values printed over the MRZ, by what their labels say: nationals' cards print the
    birthplace ('Nació en:') and the profession; the foreigners' card prints its visa
    ('Visa: PERMANENCIA DEFINITIVA') where nationals have the birthplace."""

    birthplace: TextLine | None = None
    profession: TextLine | None = None
    visa: TextLine | None = None


# In MRZ line pitches above the first MRZ line, and in MRZ widths from its left end: the rows,
# where values start, and where their labels start.
_TEXT_ROWS = (-5.0, -2.2)
_VALUE_START = (0.10, 0.40)
_LABEL_START = (-0.06, 0.08)
_SPLIT_ROW = -3.45
_LABELS = {"birthplace": "Nació en", "visa": "Visa", "profession": "Profesión"}


def read_text_lines(image: np.ndarray, block: MrzBlock, engine: TextEngine) -> BackText:
    """The values printed left-aligned in a column over the MRZ, each named by the label on
    its row (by its row when the label does not read: the upper one is the birthplace)."""
    u0, u1 = block.span
    width, top, pitch = u1 - u0, block.lines[0].v, block.pitch

    def starts_in(ln: Line, span: tuple[float, float]) -> bool:
        return _TEXT_ROWS[0] <= (ln.v - top) / pitch <= _TEXT_ROWS[1] and span[0] <= (ln.u0 - u0) / width <= span[1]

    values = sorted((ln for ln in block.others if starts_in(ln, _VALUE_START)), key=lambda ln: ln.v)[-2:]
    if not values:
        return BackText()
    labels = [ln for ln in block.others if starts_in(ln, _LABEL_START)]
    rows = [(ln, [lb for lb in labels if abs(lb.v - ln.v) < 0.5 * pitch][:1]) for ln in values]
    reads = engine.read([_crop(image, block, ln) for value, label in rows for ln in (value, *label)])
    found: dict[str, TextLine] = {}
    for k, (value, label) in enumerate(rows):
        read, said = reads.pop(0), [reads.pop(0).text for _ in label]
        named = [kind for kind, printed in _LABELS.items() if said and text.reads_as(said[0], printed)]
        upper = k == 0 and (len(rows) == 2 or (value.v - top) / pitch < _SPLIT_ROW)
        found[named[0] if named else "birthplace" if upper else "profession"] = TextLine(read.text.strip(), read.score)
    return BackText(**found)


def _crop(image: np.ndarray, block: MrzBlock, ln: Line) -> np.ndarray:
    half = 0.6 * ln.height
    return block.cut(image, ln.u0 - 0.3 * ln.height, ln.u1 + 0.3 * ln.height, ln.v - half, ln.v + half, LINE_HEIGHT)
