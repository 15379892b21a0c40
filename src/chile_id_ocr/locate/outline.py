"""Card candidates from outlines: card-shaped quadrilaterals from edges and from brightness and
colour segmentation of a small copy of the image (a few milliseconds), and the whole frame (a
tight scan). Candidates are only hypotheses; ``fit.py`` and ``confirm.py`` decide."""

from __future__ import annotations

import math

import cv2
import numpy as np

from chile_id_ocr.card.layouts import CARD_ASPECT
from chile_id_ocr.vision.geometry import is_plausible_card, landscape, quad_area, shrunk

WORK_SIDE = 800  # edges are looked for on a copy this long
MIN_CARD_FRACTION = 0.04  # of the frame's area


def _quads_from_mask(mask: np.ndarray, image_area: float) -> list[np.ndarray]:
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    quads: list[np.ndarray] = []
    for contour in contours:
        if cv2.contourArea(contour) < MIN_CARD_FRACTION * image_area:
            continue
        hull = cv2.convexHull(contour)
        hull_area = cv2.contourArea(hull)
        peri = cv2.arcLength(hull, True)
        approx = cv2.approxPolyDP(hull, 0.02 * peri, True).reshape(-1, 2)
        if len(approx) == 4:
            quads.append(approx.astype(np.float32))
            continue
        rect = cv2.boxPoints(cv2.minAreaRect(hull))
        if hull_area > 0.9 * quad_area(rect):
            quads.append(rect.astype(np.float32))
    return quads


def _edge_masks(work: np.ndarray) -> list[np.ndarray]:
    gray = cv2.cvtColor(work, cv2.COLOR_BGR2GRAY)
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    masks = []
    for lo, hi in ((30, 90), (60, 180)):
        edges = cv2.Canny(blurred, lo, hi)
        masks.append(cv2.morphologyEx(edges, cv2.MORPH_CLOSE, kernel, iterations=2))
    masks.append(_unlike_background(work, kernel))
    # The card is usually brighter than what it lies on: Otsu on lightness.
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    opened = cv2.morphologyEx(bright, cv2.MORPH_OPEN, kernel, iterations=2)
    masks.append(cv2.morphologyEx(opened, cv2.MORPH_CLOSE, kernel, iterations=3))
    return masks


def _unlike_background(work: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Pixels whose colour differs from the frame's border (what the card lies on), with
    thin structures (ruled lines, handwriting, grain) opened away: the card is a solid blob."""
    lab = cv2.cvtColor(cv2.GaussianBlur(work, (5, 5), 0), cv2.COLOR_BGR2LAB).astype(np.float32)
    edge = max(4, min(work.shape[:2]) // 40)
    border = np.concatenate(
        [
            lab[:edge].reshape(-1, 3),
            lab[-edge:].reshape(-1, 3),
            lab[:, :edge].reshape(-1, 3),
            lab[:, -edge:].reshape(-1, 3),
        ]
    )
    background = np.median(border, axis=0)
    spread = float(np.linalg.norm(np.median(np.abs(border - background), axis=0))) * 1.4826
    distance = np.linalg.norm(lab - background, axis=2)
    mask = (distance > max(14.0, 3.0 * spread)).astype(np.uint8) * 255
    big = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, big)
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, big, iterations=2)


def _dedupe(quads: list[np.ndarray], tolerance: float) -> list[np.ndarray]:
    kept: list[np.ndarray] = []
    for q in quads:
        if all(np.abs(q - k).max() > tolerance for k in kept):
            kept.append(q)
    return kept


def edge_candidates(image: np.ndarray, limit: int = 3) -> list[np.ndarray]:
    """Card-shaped quadrilaterals outlined in the image, largest first (image pixels)."""
    work, scale = shrunk(image, WORK_SIDE)
    area = float(work.shape[0] * work.shape[1])
    found: list[np.ndarray] = []
    for mask in _edge_masks(work):
        for quad in _quads_from_mask(mask, area):
            quad = landscape(quad)
            if is_plausible_card(quad, area, MIN_CARD_FRACTION) and quad_area(quad) < 0.985 * area:
                found.append(quad)
    found.sort(key=quad_area, reverse=True)
    found = _dedupe(found, tolerance=0.03 * max(work.shape[:2]))
    found.sort(key=_aspect_error)  # most card-shaped first; the sort is stable, so larger first on ties
    return [q / scale for q in found[:limit]]


def _aspect_error(quad: np.ndarray) -> float:
    """How far the quadrilateral's side ratio is from the ID-1 card's, in log units."""
    q = np.asarray(quad, np.float32)
    long_side = float(np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    short_side = float(np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    return round(abs(math.log(long_side / max(short_side, 1.0) / CARD_ASPECT)), 1)


def whole_frame(image: np.ndarray) -> np.ndarray:
    """The image's own border: the candidate for a tightly cropped scan."""
    h, w = image.shape[:2]
    return landscape(np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32))
