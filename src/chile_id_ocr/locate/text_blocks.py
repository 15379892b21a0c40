"""Card candidates from text: the directions the detected lines run in, and blocks of aligned
lines grown to the card's size (used when no outline is visible: busy or similar backgrounds,
glare across an edge, a card filling the frame)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from chile_id_ocr.card.layouts import CARD_ASPECT
from chile_id_ocr.models.ocr import TextBox
from chile_id_ocr.vision.geometry import angle_offsets, landscape, line_direction


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
