"""Motion blur: found on smeared cards only, and undone well enough to read them."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from chile_id_ocr import recognize
from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.locate.front import find_card
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.locate.views import READ_WIDTH, card_views
from chile_id_ocr.models.ocr import get_engine
from chile_id_ocr.vision.deblur import MotionBlur, deconvolve, estimate_motion_blur, line_kernel
from chile_id_ocr.vision.decode import decode

FRONTS = ("specimen_front.jpg", "specimen_front_small.jpg", "test_card_b_front_photo.jpg")


def _printed_card() -> np.ndarray:
    """A grey card-sized page of print (white on black), sharp."""
    page = np.zeros((347, 550), np.uint8)
    for row in range(14):
        _ = cv2.putText(
            page, "MARCELA 21 FEB 1982 100.000.001", (6, 22 + 23 * row), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 1
        )
    return page


@pytest.mark.parametrize("angle", [0.0, 45.0, 100.0, 160.0])
def test_a_smear_is_measured(angle: float) -> None:
    sharp = _printed_card()
    smeared = cv2.filter2D(sharp, -1, line_kernel(MotionBlur(11.0, angle)))
    found = estimate_motion_blur(smeared)
    assert found is not None
    assert abs((found.angle - angle + 90) % 180 - 90) <= 12
    assert 8.0 <= found.length <= 15.0


def test_deconvolution_brings_the_print_back() -> None:
    sharp = _printed_card()
    blur = MotionBlur(11.0, 45.0)
    smeared = cv2.filter2D(sharp, -1, line_kernel(blur))
    restored = deconvolve(smeared, blur)
    assert restored.shape == sharp.shape and restored.dtype == np.uint8
    before = np.abs(smeared.astype(int) - sharp).mean()
    after = np.abs(restored.astype(int) - sharp).mean()
    assert after < 0.75 * before


@pytest.mark.parametrize("name", FRONTS)
def test_sharp_real_cards_are_left_alone(real: Path, name: str) -> None:
    """The real fronts are sharp: they are read on one view, the card as captured."""
    pixels = decode((real / name).read_bytes()).pixels
    fit = find_card(Scene(pixels, get_engine()), FRONT_2013)
    views = card_views(pixels, fit)
    assert len(views) == 1


def _smeared_jpeg(path: Path, card_pixels: float, angle: float) -> bytes:
    """The image smeared by ``card_pixels`` of the reading size (the card READ_WIDTH wide)."""
    pixels = cv2.imread(str(path))
    length = card_pixels * pixels.shape[1] / READ_WIDTH  # the specimen renders fill the image
    smeared = cv2.filter2D(pixels, -1, line_kernel(MotionBlur(length, angle)))
    ok, buf = cv2.imencode(".jpg", smeared, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


def test_a_smeared_real_card_is_read(real: Path) -> None:
    """The specimen smeared by 14 px of the reading size: read on the captured card alone,
    four of its nine fields come out wrong (measured); with the deblurred view, none but the
    document number, which the card reader reads one digit off (100009001) and says so (0.79)."""
    want = json.loads((real / "ground_truth.json").read_text())["images"]["specimen_front_small.jpg"]["result"]
    got = recognize(_smeared_jpeg(real / "specimen_front_small.jpg", 14.0, 100.0)).to_api()
    assert {field: got[field] for field in want if field != "document_number"} == {
        field: value for field, value in want.items() if field != "document_number"
    }
    assert got["document_number"] == want["document_number"] or got["confidence"]["document_number"] < 0.9


def test_a_card_smeared_past_the_detector_is_still_found(real: Path) -> None:
    """Smeared by 26 px of the reading size, the specimen's lines are not detected on the
    small copy that confirms the card (AIS.0104, measured); deblurred there, they are."""
    want = json.loads((real / "ground_truth.json").read_text())["images"]["specimen_front_small.jpg"]["result"]
    got = recognize(_smeared_jpeg(real / "specimen_front_small.jpg", 26.0, 100.0)).to_api()
    right = [field for field in want if got[field] == want[field]]
    assert len(right) >= 7, right
