"""Laying one picture over another: the region a thing covers, and alpha blending with a soft shadow."""

from __future__ import annotations

import cv2
import numpy as np

Roi = tuple[int, int, int, int]


def roi_of(points: np.ndarray, size: tuple[int, int], pad: int) -> tuple[int, int, int, int] | None:
    """The pixel box (x0, y0, x1, y1) around ``points``, ``pad`` wider, inside an image of ``size``."""
    w, h = size
    x0, y0 = max(0, int(np.floor(points[:, 0].min())) - pad), max(0, int(np.floor(points[:, 1].min())) - pad)
    x1, y1 = min(w, int(np.ceil(points[:, 0].max())) + pad), min(h, int(np.ceil(points[:, 1].max())) + pad)
    return (x0, y0, x1, y1) if x1 > x0 + 1 and y1 > y0 + 1 else None


def blend(image: np.ndarray, roi: Roi, layer: np.ndarray, alpha: np.ndarray,
          shadow: float = 0.0, shadow_px: float = 0.0) -> None:  # fmt: skip
    """Lay ``layer`` (the size of ``roi``) over ``image`` with coverage ``alpha`` (uint8), in place; a
    soft ``shadow`` of the same outline, ``shadow_px`` down and right, darkens what is under it."""
    x0, y0, x1, y1 = roi
    region = image[y0:y1, x0:x1]
    a = alpha.astype(np.float32) * (1 / 255)
    if shadow > 0:
        off = np.array([[1, 0, shadow_px * 0.6], [0, 1, shadow_px * 0.9]], np.float32)
        sh = soften(cv2.warpAffine(a, off, (x1 - x0, y1 - y0)), max(1.0, shadow_px))
        region = cv2.blendLinear(region, np.zeros_like(region), 1 - shadow * sh, shadow * sh)
    image[y0:y1, x0:x1] = cv2.blendLinear(layer, region, a, 1 - a)


def soften(mask: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of ``sigma`` pixels; wide ones are done at a lower resolution (the result is smooth)."""
    k = int(sigma // 3)
    if k < 2:
        return cv2.GaussianBlur(mask, (0, 0), sigma)
    h, w = mask.shape[:2]
    small = cv2.resize(mask, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / k), (w, h), interpolation=cv2.INTER_LINEAR)
