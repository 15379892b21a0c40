"""Card candidates from the card detector's mask (``models/card_mask.py``): each marked region that
is card-shaped gives a quadrilateral."""

from __future__ import annotations

import cv2
import numpy as np

from chile_id_ocr.models.card_mask import INPUT, card_probability
from chile_id_ocr.vision.geometry import is_plausible_card, landscape

_THRESHOLD = 0.5  # probability over which a pixel is the card's
_MIN_AREA = 0.01  # a region smaller than this share of the image is no card
_CANDIDATES = 2  # regions tried, largest first
# The card runs off the image where the detector marks this many cells in a row within this many
# cells of one of its edges. A card inside the frame, even close to an edge, leaves unmarked cells
# there: on dev photos (5000-5011) none marks 5 in a row, and on the hard captures refused as cut off
# while inside the frame (fronts 5080, 5117, 5154; backs 5045, 5079) none marks any; the same photos
# cut through the card at 30 % of its width mark 6 to 16 in 6 of 12 (a cut card's edge cells are
# often left unmarked, so a card said whole may still be cut: the reason then names something else).
_EDGE_CELLS = 2
_EDGE_RUN = 5


def mask_candidates(image: np.ndarray) -> list[np.ndarray]:
    """Card-shaped quadrilaterals (image pixels) around the regions the network marks, largest
    first; none without the model."""
    found = card_probability(image)
    return [] if found is None else regions(*found, image.shape)


def regions(probability: np.ndarray, scale: float, shape: tuple[int, ...]) -> list[np.ndarray]:
    """Card-shaped quadrilaterals (pixels of an image of ``shape``) around the regions marked in
    the detector's ``probability`` map of it (``card_mask.card_probability``), largest first."""
    stride = INPUT / probability.shape[0]
    h, w = shape[:2]
    area = float(h * w)
    quads = []
    for contour in _marked_regions(probability)[:_CANDIDATES]:
        # Cell centres to image pixels; a cell's marked area reaches half a cell beyond its centre.
        points = (contour.reshape(-1, 2).astype(np.float32) + 0.5) * stride / scale
        quad = _quadrilateral(points, 0.5 * stride / scale)
        if quad is not None and is_plausible_card(quad, area, _MIN_AREA):
            quads.append(landscape(np.clip(quad, 0, [w - 1, h - 1]).astype(np.float32)))
    return quads


def marked_quad(probability: np.ndarray, scale: float, shape: tuple[int, ...]) -> np.ndarray | None:
    """The smallest rotated rectangle (image pixels) around every cell the detector marks, of
    whatever shape: where the card is when it is too blurred or cut for a card-shaped region;
    None when no cell is marked."""
    stride = INPUT / probability.shape[0]
    cells = np.argwhere(probability > _THRESHOLD)[:, ::-1].astype(np.float32)  # (x, y) per cell
    if len(cells) == 0:
        return None
    h, w = shape[:2]
    quad = cv2.boxPoints(cv2.minAreaRect((cells + 0.5) * stride / scale))
    return np.clip(quad, 0, [w - 1, h - 1]).astype(np.float32)


def reaches_edge(probability: np.ndarray, scale: float, shape: tuple[int, ...]) -> bool:
    """Whether the detector marks a card up to an edge of the image of ``shape`` (``_EDGE_RUN``
    cells in a row within ``_EDGE_CELLS`` of it): the card runs off the image.

    >>> cut, near = np.zeros((64, 64), np.float32), np.zeros((64, 64), np.float32)
    >>> cut[10:40, 0:30] = near[10:40, 3:33] = 0.9  # a card cut by the left edge of a 1024 x 1024 image, one near it
    >>> reaches_edge(cut, 0.25, (1024, 1024)), reaches_edge(near, 0.25, (1024, 1024))
    (True, False)
    """
    stride = INPUT / probability.shape[0]
    columns = min(probability.shape[1], int(np.ceil(shape[1] * scale / stride)))
    rows = min(probability.shape[0], int(np.ceil(shape[0] * scale / stride)))
    marked = probability[:rows, :columns] > _THRESHOLD  # the image's own cells, not the letterbox's padding
    k = _EDGE_CELLS
    edges = (marked[:k].T, marked[-k:].T, marked[:, :k], marked[:, -k:])  # per edge: its cells across, k deep
    return any(_longest_run(np.asarray(edge.any(axis=1))) >= _EDGE_RUN for edge in edges)


def _longest_run(flags: np.ndarray) -> int:
    """The most True values in a row.

    >>> _longest_run(np.array([True, False, True, True, True, False]))
    3
    """
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest


def largest_region(probability: np.ndarray, scale: float, shape: tuple[int, ...]) -> np.ndarray | None:
    """The corners (x0, y0), (x1, y1) (image pixels) of the box around the largest region the
    detector marks, of whatever shape (a card too slanted or too small for a card-shaped region);
    None when no cell is marked."""
    stride = INPUT / probability.shape[0]
    contours = _marked_regions(probability)
    if not contours:
        return None
    x, y, w, h = cv2.boundingRect(contours[0])
    corners = np.array([[x, y], [x + w, y + h]], np.float32) * stride / scale
    return np.clip(corners, 0, [shape[1] - 1, shape[0] - 1]).astype(np.float32)


def _marked_regions(probability: np.ndarray) -> list[np.ndarray]:
    """The outlines (cells of the map) of the regions the detector marks, largest first."""
    mask = (probability > _THRESHOLD).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return sorted(contours, key=cv2.contourArea, reverse=True)


def _quadrilateral(points: np.ndarray, grow: float) -> np.ndarray | None:
    """Four corners for a region's outline: its convex hull simplified to four points when it
    can be, else its smallest enclosing rectangle; pushed out by ``grow`` pixels."""
    hull = cv2.convexHull(points.reshape(-1, 1, 2))
    perimeter = cv2.arcLength(hull, True)
    quad = None
    for share in (0.02, 0.04, 0.06, 0.1):
        approx = cv2.approxPolyDP(hull, share * perimeter, True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float32)
            break
    if quad is None:
        quad = cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float32)
    centre = quad.mean(axis=0)
    away = quad - centre
    lengths = np.linalg.norm(away, axis=1, keepdims=True)
    return quad + away / np.maximum(lengths, 1e-6) * grow * np.sqrt(2)
