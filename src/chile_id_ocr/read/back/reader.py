"""Read a located back (``locate/back.py``): its QR payload parsed, its MRZ (read when it was
located: reading it is how a back is confirmed) and the two text lines over the MRZ.

The MRZ's lines were cut out of the full-resolution image along their block's direction and
read, first the way up the QR code (or else the rest of the card's text) says and, unless that
settles it, also upside down; the reading whose check digits pass won (``locate/mrz_read.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chile_id_ocr.card import qr
from chile_id_ocr.locate.back import LocatedBack
from chile_id_ocr.locate.mrz_read import MrzReading
from chile_id_ocr.models.ocr import TextEngine
from chile_id_ocr.read.back.text import BackText, read_text_lines


@dataclass(frozen=True)
class BackReading:
    """What the back gave: the MRZ (or None), the QR payload (or None) and the text lines above."""

    mrz: MrzReading | None
    qr: qr.QrPayload | None
    text: BackText


def read_back(image: np.ndarray, engine: TextEngine, located: LocatedBack) -> BackReading:
    """Everything the located back gives: its QR payload, its MRZ (read when it was located) and
    the text lines over the MRZ."""
    payload = qr.parse(located.qr.text) if located.qr is not None and located.qr.text else None
    if located.mrz is None:
        return BackReading(None, payload, BackText())
    reading, block = located.mrz
    return BackReading(reading, payload, read_text_lines(image, block, engine))
