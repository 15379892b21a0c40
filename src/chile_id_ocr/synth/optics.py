"""What the phone's lens does to the frame: radial distortion, and the blur of defocus and of motion.

The blur kernels are in pixels of the image they are applied to; :func:`convolve` applies one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth.camera import grid_maps

# --- lens distortion ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lens:
    """Radial distortion over the whole frame: barrel (``k1`` < 0) or pincushion (``k1`` > 0).

    A pixel at normalised radius r (1 at the frame's corner) shows what the undistorted frame had at
    r (1 + k1 r^2 + k2 r^4) / n, where n keeps the corners inside the frame."""

    k1: float
    k2: float = 0.0

    def _norm(self) -> float:
        return max(1.0, 1.0 + self.k1 + self.k2)

    def _source(self, pts: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        c = np.array([(size[0] - 1) / 2, (size[1] - 1) / 2])
        half = np.hypot(*c)
        d = (pts - c) / half
        r2 = (d**2).sum(1, keepdims=True)
        return c + d * half * (1 + self.k1 * r2 + self.k2 * r2**2) / self._norm()

    def apply(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        map_x, map_y = grid_maps((0, 0, w, h), lambda p: self._source(p, (w, h)), step=16)
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def distort(self, points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """Where undistorted ``points`` land in the distorted frame (inverting :meth:`_source`)."""
        pts = np.asarray(points, np.float64)
        out = pts.copy()
        for _ in range(30):
            out = out + (pts - self._source(out, size))
        return out


# --- blur --------------------------------------------------------------------------------------------------


def line_kernel(length: float, angle_deg: float) -> np.ndarray:
    """Straight-line motion blur of ``length`` pixels at ``angle_deg`` (anti-aliased)."""
    size = int(np.ceil(length)) | 1
    k: np.ndarray = np.zeros((size * 4, size * 4), np.float32)
    c = (size * 4 - 1) / 2
    t = np.deg2rad(angle_deg)
    dx, dy = np.cos(t) * length * 2, np.sin(t) * length * 2
    p0 = (round((c - dx) * 16), round((c - dy) * 16))
    p1 = (round((c + dx) * 16), round((c + dy) * 16))
    cv2.line(k, p0, p1, 1.0, 4, cv2.LINE_AA, shift=4)
    k = cv2.resize(k, (size, size), interpolation=cv2.INTER_AREA)
    return k / k.sum()


def shake_kernel(length: float, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """A hand-shake trajectory (a random walk with inertia) spanning ``length`` pixels end to end of its
    bounding box, as a kernel: the camera dwells evenly along the path."""
    steps = 96
    v = rng.standard_normal(2)
    v /= np.linalg.norm(v)
    pos = [np.zeros(2)]
    jitter, pull = rng.uniform(0.1, 0.6), rng.uniform(0.0, 0.1)
    for _ in range(steps):
        v = v + jitter * rng.standard_normal(2) - pull * pos[-1] / (1 + np.linalg.norm(pos[-1]))
        v /= np.linalg.norm(v)
        pos.append(pos[-1] + v)
    path = np.array(pos)
    path *= length / max(1e-6, float(np.hypot(*(path.max(0) - path.min(0)))))
    path -= (path.max(0) + path.min(0)) / 2
    size = (int(np.ceil(np.abs(path).max() * 2)) + 3) | 1
    k = np.zeros((size, size), np.float32)
    c = (size - 1) / 2
    for x, y in path + c:  # bilinear splats along the path
        ix, iy = int(np.floor(x)), int(np.floor(y))
        fx, fy = x - ix, y - iy
        k[iy, ix] += (1 - fx) * (1 - fy)
        k[iy, ix + 1] += fx * (1 - fy)
        k[iy + 1, ix] += (1 - fx) * fy
        k[iy + 1, ix + 1] += fx * fy
    travelled = float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())
    return k / k.sum(), {"path_px": round(travelled, 1), "jitter": round(float(jitter), 3)}


def disc_kernel(radius: float) -> np.ndarray:
    """Defocus of a round aperture: a uniform disc of ``radius`` pixels (anti-aliased)."""
    size = 2 * int(np.ceil(radius)) + 1
    big = np.zeros((size * 8, size * 8), np.float32)
    c = (size * 8 - 1) / 2
    cv2.circle(big, (round(c * 16), round(c * 16)), round(radius * 8 * 16), 1.0, -1, cv2.LINE_AA, shift=4)
    k = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return k / k.sum()


def convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REFLECT)
