"""Confirm a card candidate by finding its printed layout, and sharpen its geometry.

The text detector runs on a small rectified copy of the candidate. Its line boxes
are matched to the design's lines (labels and values, each with a known left edge
and baseline); the match decides whether this is the card at all, which way up it
is, and, through a homography fitted to the matched lines, where its corners are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from chile_id_ocr.card.layouts import Layout, LineSpec
from chile_id_ocr.read.ocr import OcrEngine, TextBox
from chile_id_ocr.vision.geometry import card_to_image, is_plausible_card, map_points, rectify, turn_180

DET_WIDTH = 512
DET_HEIGHT = round(DET_WIDTH / 1.585)


@dataclass(frozen=True)
class NormBox:
    """A detected text line in card coordinates (0..1 across, 0..1 down): its corners and extent."""

    quad: np.ndarray
    score: float
    x0: float = field(init=False)
    y0: float = field(init=False)
    x1: float = field(init=False)
    y1: float = field(init=False)

    def __post_init__(self) -> None:
        lo, hi = self.quad.min(axis=0), self.quad.max(axis=0)
        for name, value in zip(("x0", "y0", "x1", "y1"), (lo[0], lo[1], hi[0], hi[1]), strict=True):
            object.__setattr__(self, name, float(value))

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class CardFit:
    """A confirmed card: its corners in the image (clockwise from the card's own top-left),
    the detected lines in card coordinates, and the share of the design's lines found."""

    quad: np.ndarray
    boxes: tuple[NormBox, ...]
    score: float
    anchors_found: int


def _match(
    boxes: list[NormBox], lines: tuple[LineSpec, ...], tol_x: float, tol_y: float
) -> list[tuple[NormBox, LineSpec]]:
    """Each box paired with the design line whose left edge and centre it is nearest to."""
    pairs: list[tuple[NormBox, LineSpec]] = []
    for box in boxes:
        best, best_d = None, 1.0
        for line in lines:
            d = ((box.x0 - line.x0) / tol_x) ** 2 + ((box.cy - line.y) / tol_y) ** 2
            if d < best_d:
                best, best_d = line, d
        if best is not None:
            pairs.append((box, best))
    return pairs


def _score(pairs: list[tuple[NormBox, LineSpec]], layout: Layout) -> tuple[float, int]:
    found = {line.name for _, line in pairs}
    anchors = sum(1 for line in layout.anchors if line.name in found)
    return len(found) / len(layout.lines), anchors


def _refit(pairs: list[tuple[NormBox, LineSpec]]) -> np.ndarray | None:
    """Homography from design coordinates to the candidate's coordinates, from matched left edges."""
    if len(pairs) < 6:
        return None
    design = np.array([[line.x0, line.y] for _, line in pairs], np.float32)
    seen = np.array([[box.x0, box.cy] for box, _ in pairs], np.float32)
    if np.ptp(design[:, 0]) < 0.2 or np.ptp(design[:, 1]) < 0.3:
        return None
    matrix, inliers = cv2.findHomography(design, seen, cv2.RANSAC, 0.01)
    if matrix is None or inliers is None or int(inliers.sum()) < 6 or abs(np.linalg.det(matrix)) < 1e-6:
        return None
    return matrix


def _normalise(boxes: list[TextBox], width: int, height: int) -> list[NormBox]:
    scale = np.array([width, height], np.float32)
    return [NormBox(b.quad / scale, b.score) for b in boxes]


def _flip(boxes: list[NormBox]) -> list[NormBox]:
    return [NormBox(1.0 - b.quad, b.score) for b in boxes]


def _transform(boxes: list[NormBox], matrix: np.ndarray) -> list[NormBox]:
    return [NormBox(map_points(matrix, b.quad), b.score) for b in boxes]


def fit_card(image: np.ndarray, quad: np.ndarray, layout: Layout, engine: OcrEngine) -> CardFit | None:
    """Find ``layout`` inside the quadrilateral ``quad`` of ``image``, either way up.

    Returns the card with refined corners, or None when the design is not there.
    """
    small = rectify(image, quad, DET_WIDTH, DET_HEIGHT)
    detected = _normalise(engine.detect(small, DET_WIDTH), DET_WIDTH, DET_HEIGHT)
    if len(detected) < 4:
        return None
    best: CardFit | None = None
    for upside_down in (False, True):
        boxes = _flip(detected) if upside_down else detected
        base_quad = turn_180(quad) if upside_down else np.asarray(quad, np.float32)
        fit = _fit_oriented(boxes, base_quad, layout, image.shape)
        if fit is not None and (best is None or fit.score > best.score):
            best = fit
    return best


_SEARCH = 0.14  # how far (card fractions) a line may be from where the candidate puts it
_INLIER = 0.018  # a matched line's left edge lies this close to the design's, after the fit
_TRIALS = 3000


def _weights(lines: tuple[LineSpec, ...]) -> np.ndarray:
    """Lines outside the data block's two columns are unique; they break the block's row periodicity."""
    return np.array([3.0 if line.x0 < 0.3 or line.x0 > 0.7 else 1.0 for line in lines])


def _register(boxes: list[NormBox], layout: Layout) -> np.ndarray | None:
    """RANSAC: the axis-aligned scale and shift from the candidate's coordinates to the
    design's that puts the most detected left edges on the design's lines, unique lines
    weighing more. The candidate is already roughly rectified, so a shear or a rotation
    would only let a wrong fit, shifted by a row, explain the periodic rows as well."""
    seen = np.array([[b.x0, b.cy] for b in boxes], np.float32)
    design = np.array([[line.x0, line.y] for line in layout.lines], np.float32)
    weights = _weights(layout.lines)
    near = np.argwhere(np.abs(seen[:, None, :] - design[None, :, :]).max(axis=2) < _SEARCH)
    if len(near) < 2:
        return None
    rng = np.random.default_rng(0)
    picks = near[rng.integers(0, len(near), size=(_TRIALS, 2))]  # (trials, 2 pairs, [box, line])
    d_seen = seen[picks[:, 1, 0]] - seen[picks[:, 0, 0]]
    d_design = design[picks[:, 1, 1]] - design[picks[:, 0, 1]]
    ok = (np.abs(d_design).min(axis=1) >= 0.12) & (np.abs(d_seen).min(axis=1) >= 0.05)
    scale = d_design[ok] / d_seen[ok]
    scale[scale <= 0] = np.nan  # a mirrored pairing is no hypothesis
    shift = design[picks[ok, 0, 1]] - seen[picks[ok, 0, 0]] * scale
    with np.errstate(invalid="ignore"):
        sane = (scale.min(axis=1) > 0.6) & (scale.max(axis=1) < 1.6)
        sane &= np.abs(np.log(scale[:, 0] / scale[:, 1])) < 0.22
    scale, shift = scale[sane], shift[sane]
    if len(scale) == 0:
        return None
    moved = seen[None, :, :] * scale[:, None, :] + shift[:, None, :]  # (hypotheses, boxes, 2)
    dist = np.linalg.norm(moved[:, :, None, :] - design[None, None, :, :], axis=3).min(axis=1)  # per line
    hit = dist < _INLIER
    score = (hit * weights).sum(axis=1) - np.where(hit, dist, 0).sum(axis=1)  # ties: the tighter fit
    k = int(np.argmax(score))
    return np.array([[scale[k, 0], 0.0, shift[k, 0]], [0.0, scale[k, 1], shift[k, 1]], [0.0, 0.0, 1.0]])


def _fit_oriented(boxes: list[NormBox], quad: np.ndarray, layout: Layout, shape: tuple[int, ...]) -> CardFit | None:
    area = float(shape[0] * shape[1])
    to_design = _register(boxes, layout)
    if to_design is None:
        return None
    current = _transform(boxes, to_design)
    current_quad = map_points(card_to_image(np.asarray(quad, np.float32)), map_points(np.linalg.inv(to_design), _UNIT))
    if not is_plausible_card(current_quad, area, 0.01):
        return None
    # Perspective: a homography through the matched lines, when there are enough of them.
    pairs = _match(current, layout.lines, 0.03, 0.018)
    matrix = _refit(pairs)
    if matrix is not None:
        new_quad = map_points(card_to_image(current_quad), map_points(matrix, _UNIT))
        if is_plausible_card(new_quad, area, 0.01):
            current = _transform(current, np.linalg.inv(matrix))
            current_quad = new_quad
    pairs = _match(current, layout.lines, 0.03, 0.018)
    score, anchors = _score(pairs, layout)
    if anchors < 2:
        return None
    return CardFit(quad=current_quad, boxes=tuple(current), score=score, anchors_found=anchors)


_UNIT = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
