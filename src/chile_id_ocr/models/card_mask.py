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

INPUT = 256  # the network's input side
MODEL = Path(__file__).parent / "weights" / "card_mask.onnx"


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

    from chile_id_ocr.models.ocr import default_threads

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
