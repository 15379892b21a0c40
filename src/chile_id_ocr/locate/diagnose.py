"""Why a card that is in the image could not be read: the card detector marks one, but its
print did not read as a card's. The answer names what a person can fix when taking the picture
again: the card is cut off at the image's edge, too small, blurred by a moving camera, or too dark.

Each measure is taken on the card's region warped flat to a fixed size (``_WIDTH`` px wide; its
sharpness at the reading size, where ``blind.BLURRED`` was measured), so the thresholds do not
depend on the capture's resolution, except the card's own width in the
image, which is what "too small" means, and whether it is cut off, which the card detector's map
says (``mask.reaches_edge``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from chile_id_ocr.locate.views import READ_HEIGHT, READ_WIDTH
from chile_id_ocr.vision.blind import BLURRED, sharpness
from chile_id_ocr.vision.deblur import estimate_motion_blur
from chile_id_ocr.vision.geometry import landscape, rectify

_WIDTH, _HEIGHT = 640, 404  # the card's region warped flat, at most (ID-1: 85.6 x 54 mm)
# Under this many pixels of the image across the card, its 2 mm letters are under ~7 px high.
_SMALL_WIDTH = 300
# The card's median grey (0..255) under which it was taken in too little light: the white card
# shows grey (synthetic dev captures: normal photos 170-245, low-light ones 130-160).
_DARK = 150
# A smear (``vision/deblur.py``) at least this long on the flat card: the camera moved (sharp
# synthetic dev photos measure none or 3-7 px, shaken ones 6.5-17).
_SMEAR = 8.0
# Glare names no cause: a white page or a scan's paper is as blown out as a glare on a card.


@dataclass(frozen=True)
class CardLooks:
    """What the card's region looks like: its width in the image (px), whether it runs off the
    image, its median grey, the length of the smear across it (0: none found) and its sharpness at
    the reading size (``blind.sharpness``; 1.0 where not measured)."""

    width: float
    cut_off: bool
    median: float
    smear: float
    sharpness: float = 1.0


def looks(image: np.ndarray, quad: np.ndarray, *, cut_off: bool) -> CardLooks:
    """Measures of the card inside ``quad`` (four corners, image pixels) in ``image`` (BGR);
    ``cut_off`` says whether it runs off the image (``Scene.runs_off_edge``: the card detector
    marks it up to an edge). (Not the quad's corners at the image's edge: where no card-shaped
    region is marked, the quad is a rectangle around every marked cell, which reaches an edge
    for cards well inside the frame: dev hard 5080, 5117, 5154 were refused as cut off.)"""
    corners = landscape(np.asarray(quad, np.float32))
    width = float(max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3])))
    flat_width = int(min(_WIDTH, max(width, 32)))  # never enlarged: enlarging smears
    flat = rectify(image, corners, flat_width, round(flat_width * _HEIGHT / _WIDTH))
    gray = cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY) if flat.ndim == 3 else flat
    smear = estimate_motion_blur(gray)
    return CardLooks(
        width=width,
        cut_off=cut_off,
        median=float(np.median(gray)),
        smear=0.0 if smear is None else float(smear.length),
        sharpness=_sharpness(image, corners, width),
    )


def _sharpness(image: np.ndarray, corners: np.ndarray, width: float) -> float:
    """``blind.sharpness`` of the card warped flat at the reading size (never enlarged)."""
    scale = min(1.0, width / READ_WIDTH)
    flat = rectify(image, corners, max(32, round(READ_WIDTH * scale)), max(20, round(READ_HEIGHT * scale)))
    return sharpness(cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY) if flat.ndim == 3 else flat)


def why_unreadable(looks: CardLooks) -> str | None:
    """The first thing that keeps a card that looks like this from being read, as the reason of
    the contract's error; None when none of the measures explains it (then it may be no card).

    >>> from dataclasses import replace
    >>> sharp = CardLooks(width=900, cut_off=False, median=200, smear=0.0)
    >>> why_unreadable(replace(sharp, cut_off=True))
    'a card was found but part of it is outside the image'
    >>> why_unreadable(replace(sharp, width=200))
    'a card was found but it is too small to read (200 px wide; take the picture closer)'
    >>> why_unreadable(replace(sharp, smear=12.0, cut_off=True))  # a card near the edge, shaken (dev hard 5039)
    'a card was found but it is too blurred to read: the camera moved (hold it still)'
    >>> why_unreadable(replace(sharp, sharpness=0.09))  # shaken along a curved path (dev hard 5035)
    'a card was found but it is too blurred to read: the camera moved or did not focus (hold it still)'
    >>> why_unreadable(sharp) is None
    True
    """
    if looks.smear >= _SMEAR:  # first: measured on the card itself, and a smear spreads the card's marks
        return "a card was found but it is too blurred to read: the camera moved (hold it still)"
    if looks.sharpness < BLURRED:  # a shake, whose curved path leaves no straight smear to measure
        return "a card was found but it is too blurred to read: the camera moved or did not focus (hold it still)"
    if looks.cut_off:
        return "a card was found but part of it is outside the image"
    if looks.width < _SMALL_WIDTH:
        return f"a card was found but it is too small to read ({looks.width:.0f} px wide; take the picture closer)"
    if looks.median < _DARK:
        return "a card was found but it is too dark to read (take the picture in more light)"
    return None
