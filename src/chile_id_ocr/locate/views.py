"""The located card as the reading stages see it: rectified upright at the reading size, and a
deblurred copy when smeared by motion or blurred by shake (its "views"); a box of the card cut
out of each view."""

from __future__ import annotations

import numpy as np

from chile_id_ocr.locate.fit import CardFit
from chile_id_ocr.vision.blind import Shaken, shake_deblurred
from chile_id_ocr.vision.deblur import deblurred
from chile_id_ocr.vision.geometry import rectify

READ_WIDTH = 1100

READ_HEIGHT = round(READ_WIDTH / 1.585)

Box = tuple[float, float, float, float]


def card_views(image: np.ndarray, fit: CardFit) -> tuple[np.ndarray, ...]:
    """The card ``fit`` found in ``image``, upright at the reading size; and when it is
    smeared by motion, the same card deblurred (``vision/deblur.py``: a straight smear; else
    ``vision/blind.py``: a shake, when the card is blurred beyond phone photos). Each line is read on
    every view and the best reading kept (``_best_view``): deconvolution restores strokes
    but adds ringing of its own, so the captured card is not dropped."""
    return quad_views(image, fit.quad)


def quad_views(image: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, ...]:
    """``card_views`` of the card whose corners are ``quad``; a shaken card's own view is marked
    ``Shaken`` (its lines are read through the shaken-card backbone). A straight smear's is not:
    its Wiener deconvolution is exact enough that the original backbone on it reads as well (the
    specimen smeared by 14 px reads its birth date right there, 8 for 6 through the copy), though
    on dev hard fronts marking those too read more (motion-blurred fields 57.0 -> 60.1 %)."""
    card = rectify(image, quad, READ_WIDTH, READ_HEIGHT)
    sharper = deblurred(card)
    if sharper is not None:
        return card, sharper
    sharper = shake_deblurred(card)
    return (card,) if sharper is None else (card.view(Shaken), sharper)


def crop_box(views: tuple[np.ndarray, ...], box: Box) -> tuple[np.ndarray, ...]:
    """The line's crop from each view of the card (all of one size)."""
    h, w = views[0].shape[:2]
    x0, y0, x1, y1 = box
    pad_x = 0.3 * (y1 - y0) * h / w
    pad_y = 0.06 * (y1 - y0)
    left, right = max(0, int((x0 - pad_x) * w)), min(w, int(np.ceil((x1 + pad_x) * w)))
    top, bottom = max(0, int((y0 - pad_y) * h)), min(h, int(np.ceil((y1 + pad_y) * h)))
    return tuple(view[top:bottom, left:right] for view in views)
