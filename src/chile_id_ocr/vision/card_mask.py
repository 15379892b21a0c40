"""Where an identity card is in a photo, by its own appearance: a small convolutional network
(``models/card_mask.onnx``, trained by ``training/card_detector.py`` on synthetic captures) marks
the card's pixels on a 256 x 256 copy of the image; each marked region that is card-shaped gives
a candidate quadrilateral.

Text detection finds a card by its lines of text, and a page of print has more of those than a
card; outlines find a card by its edges, which a card on a white page or in a hand may not
show. The mask looks at the card itself: its colours, its artwork, its layout.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.vision.geometry import is_plausible_card, landscape

INPUT = 256  # the network's input side
MODEL = Path(__file__).parent / "models" / "card_mask.onnx"
_THRESHOLD = 0.5  # probability over which a pixel is the card's
_MIN_AREA = 0.01  # a region smaller than this share of the image is no card
_CANDIDATES = 2  # regions tried, largest first


def letterbox(image: np.ndarray, side: int = INPUT) -> tuple[np.ndarray, float]:
    """``image`` shrunk to fit a ``side`` x ``side`` square (top-left, padded with black), and the
    scale from the image's pixels to the square's.

    >>> boxed, scale = letterbox(np.zeros((300, 600, 3), np.uint8), 256)
    >>> boxed.shape, round(scale, 4)
    ((256, 256, 3), 0.4267)
    """
    h, w = image.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    boxed = np.zeros((side, side, 3), np.uint8)
    boxed[: size[1], : size[0]] = small if small.ndim == 3 else small[..., None]
    return boxed, scale


@lru_cache(maxsize=1)
def _session() -> Any | None:
    """The network as an ONNX Runtime session (loaded once per process); None when not shipped."""
    if not MODEL.is_file():
        return None
    import onnxruntime as ort

    from chile_id_ocr.read.ocr import default_threads

    options = ort.SessionOptions()
    options.intra_op_num_threads = default_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(MODEL), sess_options=options, providers=["CPUExecutionProvider"])


def card_probability(image: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Per pixel of the letterboxed copy (at a quarter of its resolution), the probability that it
    is a card's; and the scale from the image to the letterboxed copy. None without the model."""
    session = _session()
    if session is None:
        return None
    boxed, scale = letterbox(image)
    x = boxed.astype(np.float32).transpose(2, 0, 1)[np.newaxis] / 255.0 - 0.5
    logits = session.run(None, {"image": x})[0][0, 0]
    return 1.0 / (1.0 + np.exp(-logits)), scale


def mask_candidates(image: np.ndarray) -> list[np.ndarray]:
    """Card-shaped quadrilaterals (image pixels) around the regions the network marks, largest
    first; none without the model."""
    found = card_probability(image)
    if found is None:
        return []
    probability, scale = found
    stride = INPUT / probability.shape[0]
    mask = (probability > _THRESHOLD).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    h, w = image.shape[:2]
    area = float(h * w)
    quads = []
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:_CANDIDATES]:
        # Cell centres to image pixels; a cell's marked area reaches half a cell beyond its centre.
        points = (contour.reshape(-1, 2).astype(np.float32) + 0.5) * stride / scale
        quad = _quadrilateral(points, 0.5 * stride / scale)
        if quad is not None and is_plausible_card(quad, area, _MIN_AREA):
            quads.append(landscape(np.clip(quad, 0, [w - 1, h - 1]).astype(np.float32)))
    return quads


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
