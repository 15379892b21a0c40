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

import numpy as np

from chile_id_ocr.card import text
from chile_id_ocr.card.layouts import CAPITALS, LABELLED, Layout, LineSpec
from chile_id_ocr.locate.fit import CardFit, Confirmation, NormBox, match_lines
from chile_id_ocr.locate.views import Box, card_views, crop_box
from chile_id_ocr.models.ocr import TextEngine

# Read first: the labels over the data block's values, which tell this design from another
# that prints the same labels elsewhere; then, unless none of those was read as printed, the
# rest (the titles, which every design prints at its top).
_FIRST = (
    "label_apellidos", "label_nombres", "label_nacionalidad", "label_sexo", "label_nacimiento",
    "label_documento", "label_vencimiento",
)  # fmt: skip
# Words this short are not trusted to tell one label from another.
_SHORT = 4
_LABEL_ALPHABET = " " + CAPITALS
_ZONE_HALF = 0.4  # of an anchor's height: its zone, when undetected, reaches this far from its middle


def confirm(image: np.ndarray, fit: CardFit, layout: Layout, engine: TextEngine) -> Confirmation:
    """Read the anchors of ``layout`` where ``fit`` places them in ``image``, on the card as
    captured and, when smeared, deblurred (either reading counts); the first few first, the
    others only when those leave the answer open. An anchor that reads as another of the
    design's printed words, not its own, is misplaced: the card prints its labels elsewhere."""
    views = card_views(image, fit)
    anchors = [line for line in layout.anchors if line.text]
    first = [line for line in anchors if line.name in _FIRST]
    rest = [line for line in anchors if line.name not in _FIRST]
    boxes = {spec.name: box for box, spec in match_lines(list(fit.boxes), tuple(anchors))}
    others = [word for word in {*layout.printed_words, *LABELLED} if len(text.letters_only(word)) > _SHORT]
    found, misplaced = _read_as_printed(views, first, boxes, engine, others)
    result = _confirmation(layout, found, misplaced, len(first), views)
    if found and not misplaced and not result.confirmed:
        more, misplaced = _read_as_printed(views, rest, boxes, engine, others)
        result = _confirmation(layout, found + more, misplaced, len(anchors), views)
    return result


def _confirmation(
    layout: Layout, found: list[str], misplaced: list[str], tried: int, views: tuple[np.ndarray, ...]
) -> Confirmation:
    words = tuple(layout.field(name).text for name in found)
    return Confirmation(words, tried, views, tuple(layout.field(name).text for name in misplaced))


def read_marks(views: tuple[np.ndarray, ...], fit: CardFit, layout: Layout, engine: TextEngine) -> tuple[str, ...]:
    """The variant marks of ``layout`` (``Layout.marks``: EXTRANJERO) that the card ``fit``
    prints where the design puts them, read on its ``views``."""
    boxes = {spec.name: box for box, spec in match_lines(list(fit.boxes), layout.marks)}
    found, _ = _read_as_printed(views, list(layout.marks), boxes, engine, [])
    return tuple(mark.text for mark in layout.marks if mark.name in found)


def _read_as_printed(
    views: tuple[np.ndarray, ...],
    anchors: list[LineSpec],
    boxes: dict[str, NormBox],
    engine: TextEngine,
    others: list[str],
) -> tuple[list[str], list[str]]:
    """The names of ``anchors`` that some view reads as printed, and of those that no view
    reads as printed but one reads as one of the ``others`` words."""
    if not anchors:
        return [], []
    crops = [crop_box(views, _extent(spec, boxes.get(spec.name))) for spec in anchors]
    found: set[str] = set()
    elsewhere: set[str] = set()
    for k in range(len(views)):
        reads = engine.read([c[k] for c in crops], _LABEL_ALPHABET)
        for spec, read in zip(anchors, reads, strict=True):
            if text.reads_as(read.text, spec.text):
                found.add(spec.name)
            elif any(text.reads_as(read.text, word) for word in others if word != spec.text):
                elsewhere.add(spec.name)
    return [s.name for s in anchors if s.name in found], [s.name for s in anchors if s.name in elsewhere - found]


def _extent(spec: LineSpec, box: NormBox | None) -> Box:
    """Where the anchor is on the card (x0, y0, x1, y1): its detected box, else its zone."""
    if box is not None:
        return box.x0, box.y0, box.x1, box.y1
    half = _ZONE_HALF * spec.height
    return spec.column[0] - 0.01, spec.y - half, spec.column[1], spec.y + half
