"""Find the card's printed layout among all the text lines detected in a frame.

``locate.text_candidates`` grows a block of text lines to the card's size; that fails
when the card lies among text of its own size (a page of handwriting) that joins its
block. Here the design itself is searched for: each detected line, taken to be each of
the design's lines in turn, places a whole card (its height from the line's, its
position from the line's left edge and middle); the placements that put the most
detected lines where the design prints one, refined by least squares over those lines,
are the candidates. Unrelated text rarely falls on the design's two columns and rows.

>>> from chile_id_ocr.card.layouts import FRONT_2013
>>> from chile_id_ocr.models.ocr import TextBox
>>> def box(spec, width, left, top):  # a line printed where ``spec`` says, on a card ``width`` px wide
...     h = width / 1.585
...     x0, y0, y1 = left + spec.x0 * width, top + (spec.y - spec.height / 2) * h, top + (spec.y + spec.height / 2) * h
...     x1 = x0 + 0.15 * width
...     return TextBox(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32), 0.9)
>>> boxes = [box(spec, 600, 300, 200) for spec in FRONT_2013.lines]
>>> found = layout_candidates(boxes, FRONT_2013)
>>> bool(np.abs(found[0] - [[300, 200], [900, 200], [900, 200 + 600 / 1.585], [300, 200 + 600 / 1.585]]).max() < 3)
True
"""

from __future__ import annotations

import numpy as np

from chile_id_ocr.card.layouts import CARD_ASPECT, Layout
from chile_id_ocr.locate.fit import line_weights
from chile_id_ocr.locate.text_blocks import text_directions, text_frame
from chile_id_ocr.models.ocr import TextBox
from chile_id_ocr.vision.geometry import landscape

# A detected line lies this close (card fractions, across and down) to where a placement
# puts a design line.
_TOL_X, _TOL_Y = 0.035, 0.022
_COARSE = 2.0  # times those, before the refit: a scale taken from one line's height is rough
_DISTINCT = 0.05  # candidates whose corners all lie within this share of a card's width are one
_REFINED = 12  # placements refined per direction and way up
_REFINE_ROUNDS = 2
_MIN_SPREAD = 0.1  # a scale is refitted only from lines this far apart on the design
_MAX_SHEAR = 0.35
# Placements x detected lines x design lines scored at once (a few MB of distances).
_BLOCK_CELLS = 200_000  # |log| of the refitted aspect against the card's (perspective squeezes it)


def layout_candidates(boxes: list[TextBox], layout: Layout, limit: int = 3) -> list[np.ndarray]:
    """Card-shaped quadrilaterals (image pixels) where the detected ``boxes`` best match
    ``layout``'s lines, best first; which way up is left to the reader (``fit_card``)."""
    found: list[tuple[float, np.ndarray]] = []
    for direction in text_directions(boxes):
        if len(direction.lines) < 4:
            continue
        for turn in (0.0, 180.0):
            rot = text_frame(direction.theta + turn)
            found.extend(_placements(direction.lines, rot, layout))
    found.sort(key=lambda sq: -sq[0])
    kept: list[np.ndarray] = []
    for _, quad in found:
        width = float(np.linalg.norm(quad[1] - quad[0]))
        if all(np.abs(quad - k).max() > _DISTINCT * width for k in kept):
            kept.append(quad)
        if len(kept) == limit:
            break
    return kept


def _placements(lines: tuple[TextBox, ...], rot: np.ndarray, layout: Layout) -> list[tuple[float, np.ndarray]]:
    """The best placements of the card in the frame ``rot`` (text along +x), with their scores."""
    pts = [box.quad @ rot.T for box in lines]
    seen = np.array([[p[:, 0].min(), p[:, 1].mean()] for p in pts])  # left edge, middle
    heights = np.array([np.ptp(p[:, 1]) for p in pts])
    design = np.array([[line.x0, line.y] for line in layout.lines])
    design_h = np.array([line.height for line in layout.lines])
    weights = line_weights(layout.lines)
    # One placement per (detected line, design line): scale (card width, height), then offset.
    box_i, line_i = (a.ravel() for a in np.meshgrid(np.arange(len(lines)), np.arange(len(design)), indexing="ij"))
    scale_y = heights[box_i] / design_h[line_i]
    scale = np.stack([scale_y * CARD_ASPECT, scale_y], axis=1)
    offset = seen[box_i] - design[line_i] * scale
    coarse = _score(seen, design, weights, scale, offset, _COARSE)
    top = np.argsort(-coarse)[:_REFINED]
    scale, offset = scale[top].copy(), offset[top].copy()
    for _ in range(_REFINE_ROUNDS):
        for k in range(len(top)):
            scale[k], offset[k] = _refit(seen, design, scale[k], offset[k])
    score = _score(seen, design, weights, scale, offset, 1.0)
    sane = (scale > 0).all(axis=1) & (np.abs(np.log(np.abs(scale[:, 0] / scale[:, 1]) / CARD_ASPECT)) < _MAX_SHEAR)
    unit = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    return [
        (float(score[k]), landscape(((unit * scale[k] + offset[k]) @ rot).astype(np.float32)))
        for k in range(len(top))
        if sane[k]
    ]


def _nearest(seen: np.ndarray, design: np.ndarray, scale: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Per placement, detected line and design line: the distance in tolerances (across, down)."""
    card = (seen[None, :, :] - offset[:, None, :]) / scale[:, None, :]  # (placements, lines seen, 2)
    gap = np.abs(card[:, :, None, :] - design[None, None, :, :])  # (placements, seen, design, 2)
    return gap / np.array([_TOL_X, _TOL_Y])


def _score(
    seen: np.ndarray, design: np.ndarray, weights: np.ndarray, scale: np.ndarray, offset: np.ndarray, slack: float
) -> np.ndarray:
    """Per placement, the weight of the design lines with a detected line within ``slack`` tolerances.
    Placements are scored a block at a time, so that memory stays bounded however many lines were
    detected (a page of print)."""
    step = max(1, _BLOCK_CELLS // max(1, len(seen) * len(design)))
    out = np.empty(len(scale))
    for start in range(0, len(scale), step):
        block = slice(start, start + step)
        near: np.ndarray = _nearest(seen, design, scale[block], offset[block]) < slack
        hit = np.any(np.all(near, axis=3), axis=1)  # (placements, design)
        out[block] = (hit * weights).sum(axis=1)
    return out


def _refit(
    seen: np.ndarray, design: np.ndarray, scale: np.ndarray, offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The placement's scale and offset fitted by least squares to the detected lines it puts
    near a design line (each paired with the nearest), per axis where they spread enough."""
    gap = _nearest(seen, design, scale[None], offset[None])[0]  # (seen, design, 2)
    cost = np.where((gap < _COARSE).all(axis=2), gap.sum(axis=2), np.inf)
    matched = np.isfinite(cost.min(axis=1))
    if matched.sum() < 3:
        return scale, offset
    target = design[cost[matched].argmin(axis=1)]
    scale, offset = scale.copy(), offset.copy()
    for axis in (0, 1):
        if np.ptp(target[:, axis]) >= _MIN_SPREAD:
            scale[axis], offset[axis] = np.polyfit(target[:, axis], seen[matched, axis], 1)
    return scale, offset
