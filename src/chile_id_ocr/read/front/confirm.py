"""Confirm a fitted card by the words every card of its design prints where the design puts them.

A fit places the design's lines on detected text by position only; a page of print, a form
or another card can offer lines at such places too. Before anything is read from it, a fit
must show the design's own labels and titles (APELLIDOS, NOMBRES, FECHA DE NACIMIENTO...,
``Layout.anchors``) read as printed at their places: each anchor's detected box (or, when the
detector saw none there, the design's zone for it) is cut out of the image along the fit's
homography and read. A fit shifted by a row reads values where its labels should be and is
not confirmed either.

The anchors most often read well come first; when they already decide (enough read as
printed, or none at all), the others are not read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chile_id_ocr.card import text
from chile_id_ocr.card.layouts import Layout, LineSpec
from chile_id_ocr.read.front.crops import Box, card_views, crop_box
from chile_id_ocr.read.layout_fit import CardFit, NormBox, match_lines
from chile_id_ocr.read.ocr import OcrEngine

#: Anchors read as printed for a fit to be confirmed as a card of the design.
CONFIRMED = 4
# Read first: the largest title and the labels right above value lines; then, unless none of
# those was read as printed, the rest.
_FIRST = (
    "title_republica", "label_apellidos", "label_nombres", "label_nacionalidad", "label_nacimiento",
    "label_vencimiento",
)  # fmt: skip
_LABEL_ALPHABET = " ABCDEFGHIJKLMNOPQRSTUVWXYZÁÉÍÓÚÑ"
_ZONE_HALF = 0.4  # of an anchor's height: its zone, when undetected, reaches this far from its middle


@dataclass(frozen=True)
class Confirmation:
    """Which of the design's anchors were read as printed at their places, of how many read,
    and the card's views they were read on (``crops.card_views``: the reader's too)."""

    read_as_printed: tuple[str, ...]
    tried: int
    views: tuple[np.ndarray, ...] = field(default=(), compare=False, repr=False)

    @property
    def count(self) -> int:
        return len(self.read_as_printed)

    @property
    def confirmed(self) -> bool:
        return self.count >= CONFIRMED


def confirm(image: np.ndarray, fit: CardFit, layout: Layout, engine: OcrEngine) -> Confirmation:
    """Read the anchors of ``layout`` where ``fit`` places them in ``image``, on the card as
    captured and, when smeared, deblurred (either reading counts); the first few first, the
    others only when those leave the answer open."""
    views = card_views(image, fit)
    anchors = [line for line in layout.anchors if line.text]
    first = [line for line in anchors if line.name in _FIRST]
    rest = [line for line in anchors if line.name not in _FIRST]
    boxes = {spec.name: box for box, spec in match_lines(list(fit.boxes), tuple(anchors))}
    found = _read_as_printed(views, first, boxes, engine)
    tried = len(first)
    if found and len(found) < CONFIRMED <= len(found) + len(rest):
        found += _read_as_printed(views, rest, boxes, engine)
        tried += len(rest)
    return Confirmation(tuple(found), tried, views)


def _read_as_printed(
    views: tuple[np.ndarray, ...], anchors: list[LineSpec], boxes: dict[str, NormBox], engine: OcrEngine
) -> list[str]:
    """The names of ``anchors`` that some view reads as printed."""
    if not anchors:
        return []
    crops = [crop_box(views, _extent(spec, boxes.get(spec.name))) for spec in anchors]
    found: set[str] = set()
    for k in range(len(views)):
        reads = engine.read([c[k] for c in crops], _LABEL_ALPHABET)
        found |= {spec.name for spec, read in zip(anchors, reads, strict=True) if text.reads_as(read.text, spec.text)}
    return [spec.name for spec in anchors if spec.name in found]


def _extent(spec: LineSpec, box: NormBox | None) -> Box:
    """Where the anchor is on the card (x0, y0, x1, y1): its detected box, else its zone."""
    if box is not None:
        return box.x0, box.y0, box.x1, box.y1
    half = _ZONE_HALF * spec.height
    return spec.column[0] - 0.01, spec.y - half, spec.column[1], spec.y + half
