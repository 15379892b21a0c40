"""Decoding keeps to its pixel budget: an image over ``WORK_PIXELS`` (a huge PNG or TIFF) comes out
shrunk to it, in 8-bit BGR, whatever it stored (grey, 16 bits, an alpha channel), with the scale
that maps it back to the file's pixels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chile_id_ocr.vision.decode import WORK_PIXELS, decode


def _png(pixels: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", pixels)
    assert ok
    return data.tobytes()


@pytest.mark.parametrize(
    ("stored", "value"),
    [
        (np.full((4000, 5000), 200, np.uint8), (200, 200, 200)),
        (np.full((4000, 5000, 3), (10, 20, 30), np.uint8), (10, 20, 30)),
        (np.full((4000, 5000, 3), (2560, 5120, 65535), np.uint16), (10, 20, 255)),
        (np.full((4000, 5000, 4), (10, 20, 30, 255), np.uint8), (10, 20, 30)),
    ],
    ids=["grey", "bgr", "16-bit", "bgra"],
)
def test_a_huge_image_is_shrunk_to_the_budget_in_8_bit_bgr(stored: np.ndarray, value: tuple[int, int, int]) -> None:
    decoded = decode(_png(stored))
    h, w = decoded.pixels.shape[:2]
    assert decoded.pixels.dtype == np.uint8 and decoded.pixels.shape[2] == 3
    assert h * w <= WORK_PIXELS < (h + 2) * (w + 2)
    assert (decoded.width, decoded.height) == (5000, 4000)
    assert decoded.scale == pytest.approx(w / 5000)
    assert tuple(int(c) for c in decoded.pixels[h // 2, w // 2]) == value


def test_an_image_within_the_budget_is_left_as_it_is() -> None:
    stored = np.full((1000, 1500, 3), (10, 20, 30), np.uint8)
    decoded = decode(_png(stored))
    assert decoded.scale == 1.0 and decoded.pixels.shape == stored.shape
