"""A back seen at a strong slant: its MRZ's lines converge, so no level cut of the image holds
one; the decoded QR code's corners give the card's perspective, and the lines are found in the
view levelled by them and cut from the image through it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from chile_id_ocr.locate.back import locate_back
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.models.ocr import get_engine
from chile_id_ocr.synth.generator import generate_back
from chile_id_ocr.vision.decode import decode


def _slanted(pixels: np.ndarray) -> np.ndarray:
    """The image as a card turned about its vertical axis: its right edge a quarter as tall as its left."""
    h, w = pixels.shape[:2]
    card = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    seen = np.array([[100, 150], [1200, 480], [1200, 720], [100, 1050]], np.float32)
    matrix = cv2.getPerspectiveTransform(card, seen)
    return cv2.warpPerspective(pixels, matrix, (1300, 1200), borderValue=(60, 90, 120))


def test_a_slanted_back_is_read_through_its_qr_codes_perspective(real: Path) -> None:
    sample = generate_back(23, "scan")
    scene = Scene(_slanted(decode(sample.image).pixels), get_engine())
    located = locate_back(scene)
    assert located.qr is not None and located.qr.text == sample.truth["qr"]
    assert located.mrz is not None
    reading, block = located.mrz
    assert block.to_image is not None  # found in the levelled view
    assert reading.parsed is not None and list(reading.parsed.lines) == sample.truth["mrz"]
