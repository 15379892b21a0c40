"""Locate a front whose layout is not known (the design issued from December 2024, or a card
the 2013 layout does not fit) by its printed labels, wherever they are: the card and a layout
built from it, for ``read/front/free_layout.py`` to read each value next to its label.

A card found by its looks or its outline (or the whole frame, for a tight scan) is rectified either way up; every
text line detected on it is read; lines that read as the labels every Chilean front prints
(``card.layouts.LABELLED``: APELLIDOS, NOMBRES, ... RUN) confirm the card and say where its
values are: under each label, left-aligned with it (the surname's two lines), or after it on the
same line for the RUN. A layout is then built from what was found (each value's line where its
box is, the labels as its anchors), to be read like the 2013 design's.
Text outside the card is never read: only lines detected on the rectified card are.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from chile_id_ocr.card import text
from chile_id_ocr.card.layouts import FRONT_2013, LABELLED, UNKNOWN_LAYOUT, Layout, LineSpec
from chile_id_ocr.locate.fit import CardFit, Confirmation, NormBox
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.locate.views import READ_HEIGHT, READ_WIDTH, Box, crop_box, quad_views
from chile_id_ocr.models.ocr import TextEngine
from chile_id_ocr.vision.geometry import turn_180

#: Labels read, at least, for a card of unknown layout to be confirmed.
CONFIRMED = 4
_OUTLINES = 3  # card outlines tried (largest first), after the card detector's regions and before the whole frame
_MIN_LINES = 6  # fewer detected lines: no card here
_LEFT_ALIGNED = 0.03  # a value starts this close (card width) to its label's left end
_VALUE_GAP = 2.0  # ... and its top this close under the label (label heights)
_LINE_GAP = 0.8  # a second surname line starts this close under the first (line heights)
_SAME_ROW = 0.6  # lines whose middles are this close (line heights) share a row
_RUN = "RUN"


@dataclass(frozen=True)
class _Seen:
    """A detected line on the card (card fractions) and what it reads."""

    box: NormBox
    text: str

    @property
    def height(self) -> float:
        return self.box.y1 - self.box.y0


@dataclass(frozen=True)
class _Label:
    """A label found: its text, where it is (possibly part of a longer line) and that line."""

    text: str
    extent: Box
    line: _Seen

    @property
    def height(self) -> float:
        return self.extent[3] - self.extent[1]


@dataclass(frozen=True)
class Labelled:
    """A front located by its labels: the card's views, its fit (the labels as its confirmation)
    and the layout its labels say."""

    views: tuple[np.ndarray, ...]
    fit: CardFit
    layout: Layout


def find_by_labels(scene: Scene, *, stop_at_mrz: bool = True) -> Labelled | None:
    """The front located by its labels, or None when no card candidate of ``scene`` shows enough
    of them (or, with ``stop_at_mrz``, a text detection showed an MRZ: a back). Only where the
    card detector marks a card (``Scene.shows_card``): every line on a candidate is read, either
    way up (the card's views and lines turned, not rectified and detected again)."""
    if not scene.shows_card:
        return None
    for quad in [*scene.outlines[:_OUTLINES], scene.frame, *scene.mask_regions]:
        if stop_at_mrz and scene.mrz_seen:
            return None
        looked = _looked(scene.pixels, quad, scene.engine)
        if looked is None:
            continue
        views, boxes = looked
        found = _labelled(quad, views, boxes, scene.engine)
        if found is None:
            turned = tuple(cv2.rotate(view, cv2.ROTATE_180) for view in views)
            found = _labelled(turn_180(quad), turned, [NormBox(1.0 - b.quad, b.score) for b in boxes], scene.engine)
        if found is not None:
            return found
    return None


def _looked(
    image: np.ndarray, quad: np.ndarray, engine: TextEngine
) -> tuple[tuple[np.ndarray, ...], list[NormBox]] | None:
    """The card ``quad`` rectified (``quad_views``) and the lines detected on it (card fractions);
    None when too few lines are there for a card."""
    views = quad_views(image, quad)
    detected = engine.detect(views[0], READ_WIDTH)
    if len(detected) < _MIN_LINES:
        return None
    size = np.array([READ_WIDTH, READ_HEIGHT], np.float32)
    return views, [NormBox(b.quad / size, b.score) for b in detected]


def _labelled(
    quad: np.ndarray, views: tuple[np.ndarray, ...], boxes: list[NormBox], engine: TextEngine
) -> Labelled | None:
    reads = engine.read([crop_box(views, (b.x0, b.y0, b.x1, b.y1))[0] for b in boxes])
    seen = [_Seen(box, read.text) for box, read in zip(boxes, reads, strict=True)]
    labels = _labels(seen)
    if len(labels) < CONFIRMED:
        return None
    layout = _layout(labels, seen)
    confirmation = Confirmation(tuple(label.text for label in labels), len(LABELLED), views)
    fit = CardFit(quad, tuple(boxes), len(labels) / len(LABELLED), len(labels), confirmation=confirmation)
    return Labelled(views, fit, layout)


def _labels(seen: list[_Seen]) -> list[_Label]:
    """Each label found among the lines read: the line that shows it best, and the part of
    that line it takes (a detector box may hold two labels side by side, or the RUN with its
    value)."""
    found = []
    for label in LABELLED:
        word = text.letters_only(label)
        best: tuple[int, _Label] | None = None
        for line in seen:
            plain = text.unaccented(line.text.upper())
            edits, start, end = text.span_within(plain, text.unaccented(label))
            allowed = 0 if len(word) <= 3 else max(1, round(len(word) / 4))
            if edits > allowed or (label == _RUN and not _starts_word(plain, start)):
                continue
            x0, x1 = line.box.x0, line.box.x1
            share = (x1 - x0) / max(len(plain), 1)
            extent = (x0 + start * share, line.box.y0, x0 + end * share, line.box.y1)
            if best is None or edits < best[0]:
                best = (edits, _Label(label, extent, line))
        if best is not None:
            found.append(best[1])
    return found


def _starts_word(plain: str, start: int) -> bool:
    return start == 0 or not plain[start - 1].isalpha()


def _layout(labels: list[_Label], seen: list[_Seen]) -> Layout:
    """The layout the labels found say: each label an anchor, each value a line where its box
    is (where its label's other values sit, when the detector missed it)."""
    label_lines = {id(label.line) for label in labels}
    values = [line for line in seen if id(line) not in label_lines]
    lines: list[LineSpec] = []
    drops: list[float] = []
    missing: list[tuple[_Label, str]] = []
    for label in labels:
        x0, y0, x1, y1 = label.extent
        found = _values_of(label, labels, values)
        if found[0] is not label.line.box:  # a label on a line of its own: an anchor of the layout
            name = f"label_{text.letters_only(label.text).lower()}"
            lines.append(LineSpec(name, (x0, x1), (y0 + y1) / 2, y1 - y0, is_value=False, text=label.text))
        for name, box in zip(LABELLED[label.text], found, strict=True):
            if box is None:
                missing.append((label, name))
                continue
            lines.append(_value_line(name, box, label, labels))
            drops.append(box.cy - (y0 + y1) / 2)
    drop = float(np.median(drops)) if drops else 0.06
    for label, name in missing:
        if name != "surname_2":  # a card may print one surname only
            lines.append(_zone_line(name, label, labels, drop))
    return Layout(UNKNOWN_LAYOUT, tuple(lines))


def _values_of(label: _Label, labels: list[_Label], values: list[_Seen]) -> list[NormBox | None]:
    """The boxes of the label's values, None where none was found: after it on its own line
    (the RUN), else under it, left-aligned with it (the second surname line under the first)."""
    x0, _, x1, y1 = label.extent
    if label.text == _RUN and label.line.box.x1 - x1 > 0.05:  # 'RUN 12.345.678-9' in one line
        return [label.line.box]
    found: list[NormBox | None] = []
    above: tuple[float, float] = ((label.extent[1] + y1) / 2, y1)  # what the next value starts under: middle, bottom
    for _ in LABELLED[label.text]:
        reach = _VALUE_GAP * label.height if not found else _LINE_GAP * (above[1] - above[0]) * 2
        below = [
            v
            for v in values
            if abs(v.box.x0 - x0) < _LEFT_ALIGNED
            and above[0] < v.box.y0 <= above[1] + reach
            and not any(_under(v.box, other) for other in labels if other is not label)
        ]
        if not below and label.text == _RUN:  # the RUN's value beside its label
            below = [v for v in values if abs(v.box.cy - label.line.box.cy) < _SAME_ROW * v.height and v.box.x0 > x1]
        if not below:
            break
        box = min(below, key=lambda v: v.box.y0).box
        found.append(box)
        above = (box.cy, box.y1)
    return found + [None] * (len(LABELLED[label.text]) - len(found))


def _under(box: NormBox, label: _Label) -> bool:
    """Whether ``box`` lies under another label, nearer to it (it is that label's value)."""
    x0, _, _, y1 = label.extent
    return abs(box.x0 - x0) < _LEFT_ALIGNED and 0 <= box.y0 - y1 + 0.3 * label.height < _VALUE_GAP * label.height


def _right_limit(label: _Label, labels: list[_Label]) -> float:
    """How far right a label's values may run: to the next label on its row, else the card's edge."""
    x0, y0, _, y1 = label.extent
    beside = [o.extent[0] for o in labels if o.extent[0] > x0 + 0.05 and abs(o.extent[1] - y0) < y1 - y0]
    return min(beside, default=1.0) - 0.01


def _value_line(name: str, box: NormBox, label: _Label, labels: list[_Label]) -> LineSpec:
    spec = FRONT_2013.field(name)
    right = max(box.x1 + 0.02, _right_limit(label, labels)) if name != "run_large" else box.x1 + 0.02
    column = (min(box.x0, label.extent[0]), right)
    return LineSpec(name, column, box.cy, (box.y1 - box.y0) * 1.1, alphabet=spec.alphabet)


def _zone_line(name: str, label: _Label, labels: list[_Label], drop: float) -> LineSpec:
    """Where a value the detector missed should be: under its label, as the others are."""
    spec = FRONT_2013.field(name)
    x0, y0, _, y1 = label.extent
    return LineSpec(name, (x0, _right_limit(label, labels)), (y0 + y1) / 2 + drop, spec.height, alphabet=spec.alphabet)
