"""Quadrilaterals, homographies and rectification (OpenCV), shared by the locator
and the readers."""

from __future__ import annotations

import math

import cv2
import numpy as np


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points ordered clockwise from the top-left (image coordinates).

    >>> order_corners(np.array([[10, 0], [0, 0], [0, 5], [10, 5]], np.float32)).tolist()
    [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]]
    """
    pts = np.asarray(points, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen, y pointing down
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def landscape(quad: np.ndarray) -> np.ndarray:
    """The same quadrilateral, rolled so that its first side (corner 0 to 1) is a long side."""
    q = order_corners(quad)
    top = np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])
    side = np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])
    return q if top >= side else np.roll(q, -1, axis=0)


def turn_180(quad: np.ndarray) -> np.ndarray:
    """The quadrilateral seen upside down: the same corners, starting from the opposite one."""
    return np.roll(np.asarray(quad, np.float32), 2, axis=0)


def card_to_image(quad: np.ndarray) -> np.ndarray:
    """Homography from the unit card (0..1 x 0..1) to the quadrilateral in the image."""
    unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
    return cv2.getPerspectiveTransform(unit, np.asarray(quad, np.float32))


def map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 3x3 homography to an (N, 2) array of points."""
    pts = np.asarray(points, np.float32).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(pts, matrix).reshape(-1, 2)


def rectify(image: np.ndarray, quad: np.ndarray, width: int, height: int) -> np.ndarray:
    """The quadrilateral's content warped to a ``width`` x ``height`` upright rectangle."""
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(np.asarray(quad, np.float32), dst)
    interp = cv2.INTER_AREA if _side(quad) > 1.5 * width else cv2.INTER_LINEAR
    return cv2.warpPerspective(image, matrix, (width, height), flags=interp, borderMode=cv2.BORDER_REPLICATE)


def _side(quad: np.ndarray) -> float:
    q = np.asarray(quad, np.float32)
    return float(max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[2] - q[3])))


def quad_area(quad: np.ndarray) -> float:
    return float(cv2.contourArea(np.asarray(quad, np.float32).reshape(-1, 1, 2)))


def is_plausible_card(quad: np.ndarray, image_area: float, min_fraction: float) -> bool:
    """Convex, large enough, and shaped like an ID-1 card seen with moderate perspective."""
    q = np.asarray(quad, np.float32)
    if not cv2.isContourConvex(q.reshape(-1, 1, 2)):
        return False
    if quad_area(q) < min_fraction * image_area:
        return False
    sides = [float(np.linalg.norm(q[(i + 1) % 4] - q[i])) for i in range(4)]
    if min(sides) < 1:
        return False
    long_pair = (sides[0] + sides[2]) / 2
    short_pair = (sides[1] + sides[3]) / 2
    ratio = max(long_pair, short_pair) / min(long_pair, short_pair)
    opposite_ok = min(sides[0], sides[2]) / max(sides[0], sides[2]) > 0.6
    opposite_ok &= min(sides[1], sides[3]) / max(sides[1], sides[3]) > 0.6
    return 1.2 <= ratio <= 2.2 and bool(opposite_ok)


def x_constraints(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Rows of the homogeneous system ``A h = 0`` saying that a homography (as a 9-vector
    ``h``, row-major) maps each point (N, 2) to the abscissa ``x`` (N,): (N, 9)."""
    return _constraints(points, x, axis=0)


def y_constraints(points: np.ndarray, y: np.ndarray) -> np.ndarray:
    """As ``x_constraints``, for the ordinate ``y``: a point lands on a horizontal line."""
    return _constraints(points, y, axis=1)


def _constraints(points: np.ndarray, target: np.ndarray, axis: int) -> np.ndarray:
    p = np.column_stack([np.asarray(points, np.float64), np.ones(len(points))])
    rows = np.zeros((len(p), 9))
    rows[:, 3 * axis : 3 * axis + 3] = p
    rows[:, 6:9] = -np.asarray(target, np.float64)[:, np.newaxis] * p
    return rows


def solve_homographies(rows: np.ndarray) -> np.ndarray:
    """Least-squares homographies from constraint rows (..., K, 9), K >= 8: (..., 3, 3).

    >>> pts = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    >>> moved = pts * 2 + 1
    >>> rows = np.concatenate([x_constraints(pts, moved[:, 0]), y_constraints(pts, moved[:, 1])])
    >>> np.round(apply_homographies(solve_homographies(rows[np.newaxis]), pts)[0], 6).tolist()
    [[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0]]
    """
    _, _, vt = np.linalg.svd(rows)
    h = vt[..., -1, :].reshape(*rows.shape[:-2], 3, 3)
    scale = h[..., 2:3, 2:3]
    return h / np.where(np.abs(scale) > 1e-12, scale, 1.0)


def apply_homographies(matrices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Each of H homographies (H, 3, 3) applied to N points (N, 2): (H, N, 2)."""
    p = np.column_stack([np.asarray(points, np.float64), np.ones(len(points))])
    out = np.einsum("hij,nj->hni", matrices, p)
    w = out[..., 2:3]
    return out[..., :2] / np.where(np.abs(w) > 1e-12, w, 1e-12)


def line_direction(quad: np.ndarray) -> float:
    """The direction, in degrees, of a text box's longer side (a line of text runs along it,
    whichever corner the detector listed first).

    >>> line_direction(np.array([[0, 0], [10, 0], [10, 2], [0, 2]], float))
    0.0
    >>> line_direction(np.array([[0, 0], [2, 0], [2, 10], [0, 10]], float))
    90.0
    """
    q = np.asarray(quad, np.float64)
    first, second = q[1] - q[0], q[3] - q[0]
    along = first if np.linalg.norm(first) >= np.linalg.norm(second) else second
    return math.degrees(math.atan2(float(along[1]), float(along[0])))


def angle_offsets(angles: np.ndarray | float, reference: float) -> np.ndarray:
    """Signed differences of line directions from ``reference``, modulo 180 degrees, in [-90, 90).

    >>> angle_offsets(np.array([179.0, 2.0, 95.0]), 0.0).tolist()
    [-1.0, 2.0, -85.0]
    """
    return (np.asarray(angles, np.float64) - reference + 90.0) % 180.0 - 90.0


def turned(image: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """``image`` turned so that a line running at ``angle`` degrees (y down) runs level, on a
    canvas large enough to keep all of it (edges replicated); and the affine map (2x3) that
    takes the turned image's points back to ``image``'s.

    >>> image = np.zeros((100, 200, 3), np.uint8)
    >>> level, back = turned(image, 90.0)
    >>> level.shape[:2]
    (200, 100)
    >>> a, b = map_affine(back, np.array([[10.0, 50.0], [60.0, 50.0]]))
    >>> np.round(b - a).tolist()  # a level segment of the turned image runs down the image
    [0.0, 50.0]
    """
    h, w = image.shape[:2]
    forward = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(forward[0, 0]), abs(forward[0, 1])
    size = (round(h * sin + w * cos), round(h * cos + w * sin))
    forward[:, 2] += (size[0] - w) / 2, (size[1] - h) / 2
    level = cv2.warpAffine(image, forward, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return level, cv2.invertAffineTransform(forward)


def map_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Points (N, 2) through a 2x3 affine map."""
    return np.asarray(points, np.float64) @ matrix[:, :2].T + matrix[:, 2]


def shrunk(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """``image`` shrunk (area averaging) to at most ``side`` px long, and the scale from it to the copy
    (1.0 and the image itself where it is no longer).

    >>> copy, scale = shrunk(np.zeros((300, 600, 3), np.uint8), 200)
    >>> copy.shape, round(scale, 4)
    ((100, 200, 3), 0.3333)
    """
    h, w = image.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale == 1.0:
        return image, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale
