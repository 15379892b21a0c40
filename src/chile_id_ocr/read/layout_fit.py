"""Confirm a card candidate by finding its printed layout, and sharpen its geometry.

The text detector runs on a small rectified copy of the candidate. Its line boxes
are matched to the design's lines (labels and values, each with a known left edge
and baseline); the match decides whether this is the card at all, which way up it
is, and, through a homography fitted to the matched lines, where its corners are.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from chile_id_ocr.card.layouts import Layout, LineSpec
from chile_id_ocr.read.ocr import OcrEngine
from chile_id_ocr.vision.geometry import card_to_image, is_plausible_card, map_points, rectify, turn_180

DET_WIDTH = 512
DET_HEIGHT = round(DET_WIDTH / 1.585)


@dataclass(frozen=True)
class NormBox:
    """A detected text line in card coordinates (0..1 across, 0..1 down)."""

    quad: np.ndarray
    score: float

    @property
    def x0(self) -> float:
        return float(self.quad[:, 0].min())

    @property
    def x1(self) -> float:
        return float(self.quad[:, 0].max())

    @property
    def y0(self) -> float:
        return float(self.quad[:, 1].min())

    @property
    def y1(self) -> float:
        return float(self.quad[:, 1].max())

    @property
    def cy(self) -> float:
        return float((self.y0 + self.y1) / 2)

    @property
    def height(self) -> float:
        return self.y1 - self.y0


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
    matrix, inliers = cv2.findHomography(design, seen, cv2.RANSAC, 0.012)
    if matrix is None or inliers is None or int(inliers.sum()) < 6:
        return None
    return matrix


def _normalise(boxes: list, width: int, height: int) -> list[NormBox]:
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


def _fit_oriented(boxes: list[NormBox], quad: np.ndarray, layout: Layout, shape: tuple[int, ...]) -> CardFit | None:
    current_quad, current = quad, boxes
    for tol_x, tol_y in ((0.08, 0.045), (0.04, 0.022)):
        pairs = _match(current, layout.lines, tol_x, tol_y)
        matrix = _refit(pairs)
        if matrix is None:
            continue
        new_quad = map_points(card_to_image(current_quad), map_points(matrix, _UNIT))
        area = float(shape[0] * shape[1])
        if not is_plausible_card(new_quad, area, 0.01):
            continue
        current = _transform(current, np.linalg.inv(matrix))
        current_quad = new_quad
    pairs = _match(current, layout.lines, 0.04, 0.022)
    score, anchors = _score(pairs, layout)
    if anchors < 2:
        return None
    return CardFit(quad=current_quad, boxes=tuple(current), score=score, anchors_found=anchors)


_UNIT = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
