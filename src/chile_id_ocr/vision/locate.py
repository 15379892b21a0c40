"""Find where the card is: candidate quadrilaterals in the decoded image.

Two independent sources, cheapest first:

* ``edge_candidates``: the card's outline, from edges and from brightness
  segmentation of a small copy of the image (a few milliseconds);
* ``text_candidate``: the block of text lines found by the text detector, grown to
  the card's size (used when no outline is visible: busy or similar backgrounds,
  glare across an edge, a card filling the frame).

Candidates are only hypotheses; the reader confirms one by finding the card's
printed layout inside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from chile_id_ocr.card.layouts import CARD_ASPECT
from chile_id_ocr.read.ocr import TextBox
from chile_id_ocr.vision.geometry import angle_offsets, is_plausible_card, landscape, line_direction, quad_area

WORK_SIDE = 800  # edges are looked for on a copy this long
MIN_CARD_FRACTION = 0.04  # of the frame's area


def _work_copy(image: np.ndarray) -> tuple[np.ndarray, float]:
    h, w = image.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    if scale < 1.0:
        image = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return image, scale


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
    work, scale = _work_copy(image)
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
    long_side = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    short_side = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    return round(abs(math.log(long_side / max(short_side, 1.0) / CARD_ASPECT)), 1)


def whole_frame(image: np.ndarray) -> np.ndarray:
    """The image's own border: the candidate for a tightly cropped scan."""
    h, w = image.shape[:2]
    return landscape(np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32))


def _long_side(box: TextBox) -> float:
    q = box.quad
    return float(max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[3] - q[0])))


@dataclass(frozen=True)
class TextDirection:
    """A direction most of some text lines run in (degrees modulo 180, y down), and those lines."""

    theta: float
    lines: tuple[TextBox, ...]


def text_directions(boxes: list[TextBox], count: int = 2) -> list[TextDirection]:
    """The ``count`` strongest directions of the detected lines, strongest first, each with
    the lines that run along it.

    The detector returns boxes along the text, so a peak of box directions gives a
    rotation modulo 180 degrees. Other text in the frame (a page of handwriting) makes
    other peaks, so more than one is worth trying.
    """
    if not boxes:
        return []
    angles = np.array([line_direction(b.quad) % 180.0 for b in boxes])
    weights = np.array([_long_side(b) for b in boxes])
    hist, _ = np.histogram(angles, bins=36, range=(0, 180), weights=weights)
    smooth = hist + np.roll(hist, 1) + np.roll(hist, -1)
    peaks: list[int] = []
    for peak in (int(i) for i in np.argsort(smooth)[::-1] if smooth[i] > 0):
        if len(peaks) >= count:
            break
        if not any(min(abs(peak - t), 36 - abs(peak - t)) < 3 for t in peaks):
            peaks.append(peak)
    found = []
    for peak in peaks:
        # The histogram's bin centre, sharpened to the median of the lines near it: printed lines
        # agree within a degree or two, handwriting or another document at another angle does not.
        theta = (peak + 0.5) * 5.0
        near = np.abs(angle_offsets(angles, theta)) < _PEAK_HALF_WIDTH
        if near.any():
            theta = theta + float(np.median(angle_offsets(angles[near], theta)))
        diff = np.abs(angle_offsets(angles, theta))
        found.append(TextDirection(theta, tuple(b for b, d in zip(boxes, diff, strict=True) if d < _ALIGNED_DEG)))
    return found


def text_frame(theta: float) -> np.ndarray:
    """The rotation (2x2) taking image points to a frame where text at ``theta`` runs along +x;
    its transpose takes them back."""
    rad = math.radians(theta)
    return np.array([[math.cos(rad), math.sin(rad)], [-math.sin(rad), math.cos(rad)]], np.float32)


def text_candidates(boxes: list[TextBox], limit: int = 4) -> list[np.ndarray]:
    """The card's quadrilateral estimated from blocks of aligned text lines, best first.

    For each of the two strongest text directions (``text_directions``), a block's extent,
    grown by the margins the card leaves around its text, gives its size; the reader
    confirms one and refines it.
    """
    if len(boxes) < 4:
        return []
    per_direction = [_blocks_at(direction) for direction in text_directions(boxes)]
    # Each direction's best block first, then the runners-up.
    quads = [q for rank in range(3) for found in per_direction for q in found[rank : rank + 1]]
    return quads[:limit]


_PEAK_HALF_WIDTH = 7.5  # degrees around a direction histogram peak that make up the peak
_ALIGNED_DEG = 5.0  # a line within this of the peak's direction belongs to it


def _blocks_at(direction: TextDirection) -> list[np.ndarray]:
    if len(direction.lines) < 4:
        return []
    rot = text_frame(direction.theta)
    pts = [b.quad @ rot.T for b in direction.lines]  # in a frame where the text runs along +x
    quads = []
    clusters = _blocks(pts, *_LOOSE)[:2]
    clusters += [c for c in _blocks(pts, *_STRICT)[:1] if not any(len(c) == len(k) for k in clusters)]
    for cluster in clusters:
        if len(cluster) < 4:
            continue
        allpts = np.concatenate(cluster)
        x0, y0 = allpts.min(axis=0)
        x1, y1 = allpts.max(axis=0)
        # Printed text spans about 90% of the card's width and 88% of its height.
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w = max((x1 - x0) / 0.90, (y1 - y0) / 0.88 * CARD_ASPECT) / 2
        half_h = half_w / CARD_ASPECT
        rect = np.array(
            [
                [cx - half_w, cy - half_h],
                [cx + half_w, cy - half_h],
                [cx + half_w, cy + half_h],
                [cx - half_w, cy + half_h],
            ],
            np.float32,
        )
        quads.append(landscape(rect @ rot))  # back to image coordinates (rot is orthonormal)
    return quads


# Lines of one block lie within so many line heights of each other (twice that across the
# lines) and are at most so many times taller than each other. Text around the card (handwriting
# on the paper under it) can join the card's block through one line of an in-between size;
# the strict clustering splits it off again.
_LOOSE = (3.0, 1.8)
_STRICT = (1.5, 1.4)


def _blocks(pts: list[np.ndarray], max_gap: float, max_ratio: float) -> list[list[np.ndarray]]:
    """Single-linkage clusters of boxes of like height closer than a few line heights,
    most lines first (then largest text area). A card's lines are all of one size; handwriting or print
    around it, often as close as its own lines, is rarely the same size."""
    n = len(pts)
    heights = np.array([max(1e-6, min(np.linalg.norm(p[1] - p[0]), np.linalg.norm(p[3] - p[0]))) for p in pts])
    lo = np.array([p.min(axis=0) for p in pts])
    hi = np.array([p.max(axis=0) for p in pts])
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            dx = max(0.0, lo[j, 0] - hi[i, 0], lo[i, 0] - hi[j, 0])
            dy = max(0.0, lo[j, 1] - hi[i, 1], lo[i, 1] - hi[j, 1])
            small, large = sorted((heights[i], heights[j]))
            gap = max_gap * small
            if dx < gap * 2 and dy < gap and large < max_ratio * small:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    ranked = sorted(groups.values(), key=lambda g: (-len(g), -sum((hi[i] - lo[i]).prod() for i in g)))
    return [[pts[i] for i in group] for group in ranked]
