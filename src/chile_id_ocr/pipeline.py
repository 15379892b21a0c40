"""The recognition pipeline, top to bottom:

image bytes -> decoded image -> located, upright card -> lines read -> fields checked
and cross-checked -> ``Recognition``.
"""

from __future__ import annotations

import math
from datetime import date
from typing import cast

from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.check.back import NotChileanCardError, check_back
from chile_id_ocr.check.calibrate import Calibration, calibrated, shipped, too_doubtful
from chile_id_ocr.check.front import check_front
from chile_id_ocr.check.fuse import fuse
from chile_id_ocr.errors import InternalRecognitionError, PoorImageError, RecognitionError
from chile_id_ocr.locate.fit import CardFit
from chile_id_ocr.locate.front import card_quads, find_card
from chile_id_ocr.models.ocr import OcrEngine, get_engine
from chile_id_ocr.read.back import MrzSeenError, MrzWatch, QrFind, find_qr, read_back
from chile_id_ocr.read.front import rate, read_front, trusted
from chile_id_ocr.read.front.free_layout import read_unknown_layout
from chile_id_ocr.result import Recognition, Side
from chile_id_ocr.vision.decode import DecodedImage, decode
from chile_id_ocr.vision.geometry import quad_area

# The card's longer side must cover at least this many pixels of the input.
MIN_CARD_PIXELS = 180


def recognize(
    image: bytes, *, back: bytes | None = None, details: bool = False, today: date | None = None
) -> Recognition:
    """Read a Chilean identity card from an image file's bytes: its front or its back.

    With ``back``, the two images are read separately and fused field by field (either
    order). ``details`` is accepted for symmetry with the CLI and the API: the returned
    ``Recognition`` always carries what ``Recognition.details()`` reports.
    Raises ``RecognitionError`` (with the contract's error code) when the image
    cannot be read; never another exception.
    """
    today = today or date.today()
    calibration = shipped()
    try:
        first = read_side(image, today, calibration)
        if back is None:
            return first
        second = read_side(back, today, calibration)
        if first.side == second.side:
            raise PoorImageError(f"both images show the card's {first.side.value}")
        front, rear = (first, second) if first.side is Side.FRONT else (second, first)
        return fuse(front, rear, today=today)
    except RecognitionError:
        raise
    except Exception as exc:
        raise InternalRecognitionError(f"unexpected {type(exc).__name__}") from exc


def read_side(image: bytes, today: date, calibration: Calibration | None) -> Recognition:
    """Whichever side the image shows, with confidences that ``calibration`` maps to the
    probability of being right (``check/calibrate.py``; None: as the checks give them). A card
    that reads as mostly doubt is AIS.0104, not a result."""
    recognition = calibrated(_read_side(image, today), calibration)
    doubtful = too_doubtful(recognition, calibration)
    if doubtful is not None:
        raise PoorImageError(f"too little of the card could be read: {doubtful} of its fields are doubtful")
    return recognition


def _read_side(image: bytes, today: date) -> Recognition:
    """Whichever side the image shows. A decoded QR code means a back; otherwise the front is
    read first (a front pays only a QR search of a few milliseconds), watched for an MRZ: the
    back is read as soon as one of the front reader's text detections shows one, or when no
    front layout fits."""
    decoded = decode(image)
    engine = get_engine()
    qr_found = find_qr(decoded.pixels)
    if qr_found is not None and not qr_found.text:  # a symbol too blurred at that size: look closer
        qr_found = find_qr(decoded.pixels, thorough=True) or qr_found
    if qr_found is not None and qr_found.text:
        return _read_back(decoded, engine, qr_found, today)
    front_error: PoorImageError | None = None
    try:
        return _read_front(decoded, cast(OcrEngine, MrzWatch(engine)), today)
    except MrzSeenError:
        pass
    except PoorImageError as error:
        front_error = error
    try:
        return _read_back(decoded, engine, qr_found, today)
    except PoorImageError as back_error:
        if front_error is None:  # lines stacked like an MRZ that do not read as a card's: a front after all?
            try:
                return _read_front(decoded, engine, today)
            except PoorImageError as error:
                front_error = error
        keep_back = qr_found is not None or isinstance(back_error, NotChileanCardError)
        raise (back_error if keep_back else front_error) from None


def _read_front(decoded: DecodedImage, engine: OcrEngine, today: date) -> Recognition:
    """The 2013 design where it is confirmed and reads well; else a card read from its labels
    wherever they are (a design not described, such as the one issued from December 2024),
    when that reads better."""
    try:
        fit = find_card(decoded.pixels, FRONT_2013, engine)
    except PoorImageError:
        reading = read_unknown_layout(decoded.pixels, engine)
        if reading is None:
            raise
    else:
        reading = read_front(decoded.pixels, fit, FRONT_2013, engine)
        if not trusted(reading):  # the 2013 layout placed doubtfully: perhaps another design
            other = read_unknown_layout(decoded.pixels, engine)
            if other is not None and rate(other.lines, other.layout) > rate(reading.lines, reading.layout):
                reading = other
    _check_card_size(reading.fit, decoded)
    return check_front(reading, to_input=1.0 / decoded.scale, today=today)


def _read_back(decoded: DecodedImage, engine: OcrEngine, qr_found: QrFind | None, today: date) -> Recognition:
    if qr_found is None:  # look harder: the full-resolution image
        qr_found = find_qr(decoded.pixels, thorough=True)
    reading = read_back(decoded.pixels, engine, qr_found, lambda: card_quads(decoded.pixels)[:-1])
    return check_back(reading, today=today)


def _check_card_size(fit: CardFit, decoded: DecodedImage) -> None:
    side = math.sqrt(quad_area(fit.quad) * 1.585) / decoded.scale
    if side < MIN_CARD_PIXELS:
        raise PoorImageError(f"the card is too small to read ({side:.0f} px wide; at least {MIN_CARD_PIXELS} needed)")
