"""Where a front prints its pictures: the holder's portrait, the signature and the small ghost portrait.

Boxes are (x0, y0, x1, y1) fractions of the card's width and height, like ``layouts.py``'s lines.
The 2013 design's were measured on the official specimen render (674 x 425 px), the image the
generator draws its cards on (``synth/template.py``: its ``PORTRAIT_BOX``); every card of the design
prints them in the same place. The design issued from December 2024 (or any front read from its
labels, ``layouts.UNKNOWN_LAYOUT``) has no measured geometry: its portrait is looked for beside the
data block its labels placed (:func:`portrait_beside`), and it has no signature or ghost portrait box.

>>> [round(v, 3) for v in FRONT_2013_REGIONS["portrait"]]
[0.059, 0.235, 0.319, 0.824]
>>> portrait_beside((0.34, 0.2, 0.86, 0.68))
(0.03, 0.14, 0.31, 0.82)
>>> portrait_beside((0.05, 0.2, 0.62, 0.72))
(0.65, 0.14, 0.97, 0.86)
>>> portrait_beside((0.1, 0.2, 0.9, 0.7)) is None
True
"""

from __future__ import annotations

Box = tuple[float, float, float, float]

_SPECIMEN = (674.0, 425.0)


def _specimen(x0: float, y0: float, x1: float, y1: float) -> Box:
    w, h = _SPECIMEN
    return (x0 / w, y0 / h, x1 / w, y1 / h)


FRONT_2013_REGIONS: dict[str, Box] = {
    "portrait": _specimen(40, 100, 215, 350),
    "signature": _specimen(230, 305, 500, 395),
    "ghost_portrait": _specimen(556, 165, 628, 226),
}
"""The 2013 design's pictures (specimen pixels, as fractions)."""

REGIONS: dict[str, dict[str, Box]] = {"front_2013": FRONT_2013_REGIONS}
"""Each described design's pictures, by layout name (``layouts.Layout.name``)."""

#: A portrait beside a data block is at least this wide (card widths); with less room, none is looked for.
MIN_PORTRAIT_WIDTH = 0.18
_EDGE = 0.03  # the card's edge the portrait keeps clear of
_GAP = 0.03  # between the portrait and the data block
_ABOVE, _BELOW = 0.06, 0.14  # the portrait reaches above the first label and below the last value


def portrait_beside(data_block: Box) -> Box | None:
    """The portrait's box on a front whose layout is not known: the side of the data block (the extent of
    its values, not the RUN, which some designs print under the portrait) with more room, over the
    block's height and a little more; None when neither side has room for one."""
    x0, y0, x1, y1 = data_block
    left, right = x0 - _GAP - _EDGE, 1 - _EDGE - x1 - _GAP
    room = max(left, right)
    if room < MIN_PORTRAIT_WIDTH:
        return None
    top, bottom = round(max(_EDGE, y0 - _ABOVE), 4), round(min(1 - _EDGE, y1 + _BELOW), 4)
    if left >= right:
        return (_EDGE, top, round(x0 - _GAP, 4), bottom)
    return (round(x1 + _GAP, 4), top, 1 - _EDGE, bottom)
