"""The recognition pipeline, top to bottom:

image bytes -> decoded image -> located, upright card -> lines read -> fields checked
and cross-checked -> ``Recognition``.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from datetime import date
from typing import cast

from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.check.back import NotChileanCardError, check_back
from chile_id_ocr.check.calibrate import Calibration, calibrated, shipped, too_doubtful
from chile_id_ocr.check.front import check_front
from chile_id_ocr.check.fuse import fuse
from chile_id_ocr.errors import InternalRecognitionError, PoorImageError, RecognitionError
from chile_id_ocr.locate.back import locate_back
from chile_id_ocr.locate.fit import CardFit
from chile_id_ocr.locate.front import find_card
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.models.ocr import get_engine
from chile_id_ocr.read.back import read_back
from chile_id_ocr.read.evidence import both_sides, with_evidence
from chile_id_ocr.read.front import rate, read_front, trusted
from chile_id_ocr.read.front.free_layout import read_unknown_layout
from chile_id_ocr.result import Recognition, Side
from chile_id_ocr.vision.decode import DecodedImage, decode
from chile_id_ocr.vision.geometry import quad_area

# The card's longer side must cover at least this many pixels of the input.
MIN_CARD_PIXELS = 180
# A back looked for because the front's search saw lines stacked like an MRZ (no QR code decoded) may
# spend this share of the detections and pixels left: a justified page beside a front stacks its lines
# so too (dev hard 5130, a card on a newspaper: the back's search took 6.4 of the 10.6 Mpx left, and the
# front's, resumed, ran out of budget before the area the card detector marks). Dev backs read without
# a QR code (photos, hard captures, pages: 56) spent at most 4.4 Mpx on their search, 43 % of what was
# left when it began.
_SIGHTED_SHARE = 0.5


def recognize(
    image: bytes,
    *,
    back: bytes | None = None,
    details: bool = False,
    today: date | None = None,
    crops: bool = False,
) -> Recognition:
    """Read a Chilean identity card from an image file's bytes: its front or its back.

    With ``back``, the two images are read separately and fused field by field (either
    order). ``details`` is accepted for symmetry with the CLI and the API: the returned
    ``Recognition`` always carries what ``Recognition.details()`` reports, the capture's
    assessment (``capture``: original, screen, photocopy or printout) included. ``crops``
    adds the front's portrait, signature and ghost portrait as PNG (base64) under ``crops``.
    Raises ``RecognitionError`` (with the contract's error code) when the image
    cannot be read; never another exception.
    """
    today = today or date.today()
    calibration = shipped()
    try:
        first = read_side(image, today, calibration, crops=crops)
        if back is None:
            return first
        second = read_side(back, today, calibration, crops=crops)
        if first.side == second.side:
            raise PoorImageError(f"both images show the card's {first.side.value}")
        front, rear = (first, second) if first.side is Side.FRONT else (second, first)
        return both_sides(fuse(front, rear), front, rear)
    except RecognitionError:
        raise
    except Exception as exc:
        raise InternalRecognitionError(f"unexpected {type(exc).__name__}") from exc


def read_side(image: bytes, today: date, calibration: Calibration | None, *, crops: bool = False) -> Recognition:
    """Whichever side the image shows, with confidences that ``calibration`` maps to the
    probability of being right (``check/calibrate.py``; None: as the checks give them), the
    capture's assessment and, with ``crops``, the front's pictures. A card that reads as mostly
    doubt is AIS.0104, not a result."""
    decoded = decode(image)
    scene = Scene(decoded.pixels, get_engine())
    try:
        recognition = calibrated(_read_side(decoded, scene, today), calibration)
    except PoorImageError as error:
        if type(error) is PoorImageError and scene.spent.refused:  # the search was cut short: say so
            raise PoorImageError(f"{error.reason}; the search stopped at the image's budget of work") from None
        raise
    doubtful = too_doubtful(recognition, calibration)
    if doubtful is not None:
        raise PoorImageError(f"too little of the card could be read: {doubtful} of its fields are doubtful")
    return with_evidence(recognition, decoded, scene, crops=crops)


def _read_side(decoded: DecodedImage, scene: Scene, today: date) -> Recognition:
    """Whichever side the image shows, decided once from evidence: a decoded QR code says a
    back; otherwise the front is looked for, and the search stops as soon as one of its text
    detections shows an MRZ (a back: ``Scene.mrz_seen``) or no front is found. A front that is
    not read where its labels were (``Scene.shows_front``) is refused without looking for a back.
    A back whose MRZ does not read as a card's, where the front search stopped at it, may still
    be a front."""
    if scene.blank:
        raise PoorImageError(scene.why_no_card())
    if scene.qr is not None and scene.qr.text:
        return _read_back(scene, today)
    front_error: PoorImageError | None = None
    sighted = False  # the front's search stopped at lines stacked like an MRZ
    try:
        front = _read_front(decoded, scene, today, stop_at_mrz=True)
        if front is not None:
            return front
        sighted = True
    except PoorImageError as error:
        if scene.shows_front and scene.qr is None:  # a front's labels read, but not the card: no back to look for
            raise
        front_error = error
    try:
        with scene.sharing(_SIGHTED_SHARE) if sighted else nullcontext():
            return _read_back(scene, today)
    except PoorImageError as back_error:
        if front_error is None:  # lines stacked like an MRZ that do not read as a card's: a front after all?
            try:
                return cast(Recognition, _read_front(decoded, scene, today, stop_at_mrz=False))
            except PoorImageError as error:
                front_error = error
        keep_back = scene.qr is not None or isinstance(back_error, NotChileanCardError)
        raise (back_error if keep_back else front_error) from None


def _read_front(decoded: DecodedImage, scene: Scene, today: date, *, stop_at_mrz: bool) -> Recognition | None:
    """The 2013 design where it is confirmed and reads well; else a card read from its labels
    wherever they are (a design not described, such as the one issued from December 2024),
    when that reads better. None when, with ``stop_at_mrz``, the search saw an MRZ."""
    try:
        fit = find_card(scene, FRONT_2013, stop_at_mrz=stop_at_mrz)
    except PoorImageError:
        reading = read_unknown_layout(scene, stop_at_mrz=stop_at_mrz)
        if reading is None:
            if stop_at_mrz and scene.mrz_seen:
                return None
            raise
    else:
        if fit is None:
            return None
        reading = read_front(scene.pixels, fit, FRONT_2013, scene.engine)
        if not trusted(reading):  # the 2013 layout placed doubtfully: perhaps another design
            other = read_unknown_layout(scene, stop_at_mrz=stop_at_mrz)
            if stop_at_mrz and scene.mrz_seen:
                return None
            if other is not None and rate(other.lines, other.layout) > rate(reading.lines, reading.layout):
                reading = other
    _check_card_size(reading.fit, decoded)
    return check_front(reading, to_input=1.0 / decoded.scale, today=today)


def _read_back(scene: Scene, today: date) -> Recognition:
    reading = read_back(scene.pixels, scene.engine, locate_back(scene))
    return check_back(reading, today=today)


def _check_card_size(fit: CardFit, decoded: DecodedImage) -> None:
    side = math.sqrt(quad_area(fit.quad) * 1.585) / decoded.scale
    if side < MIN_CARD_PIXELS:
        raise PoorImageError(f"the card is too small to read ({side:.0f} px wide; at least {MIN_CARD_PIXELS} needed)")
