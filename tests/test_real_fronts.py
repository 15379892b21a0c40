"""The real fronts in ../shared/real read exactly as their ground truth, whichever way up."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from chile_id_ocr import recognize
from chile_id_ocr.result import FIELD_NAMES

FRONTS = ["specimen_front.jpg", "specimen_front_small.jpg", "test_card_b_front_photo.jpg"]
ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def _values(result: dict) -> dict:
    return {k: result[k] for k in FIELD_NAMES}


def _rotated_jpeg(path: Path, angle: int) -> bytes:
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    ok, buf = cv2.imencode(".jpg", cv2.rotate(pixels, ROTATIONS[angle]), [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize("name", FRONTS)
def test_front_reads_all_nine_fields(real: Path, ground_truth: dict, name: str) -> None:
    recognition = recognize((real / name).read_bytes())
    assert _values(recognition.to_api()) == ground_truth[name]["result"]
    assert recognition.checks.run_check_digit_valid is ground_truth[name]["run_check_digit_valid"]


@pytest.mark.parametrize("angle", [90, 180, 270])
@pytest.mark.parametrize("name", FRONTS)
def test_front_reads_when_turned(real: Path, ground_truth: dict, name: str, angle: int) -> None:
    result = recognize(_rotated_jpeg(real / name, angle)).to_api()
    assert _values(result) == ground_truth[name]["result"]


def test_photo_with_its_exif_orientation_applied(real: Path, ground_truth: dict) -> None:
    name = "test_card_b_front_photo.jpg"
    with Image.open(real / name) as im:
        assert im.getexif().get(0x0112) not in (None, 1), "the fixture should carry an EXIF rotation"
        upright = ImageOps.exif_transpose(im)
        buf = io.BytesIO()
        upright.save(buf, "JPEG", quality=92)
    assert _values(recognize(buf.getvalue()).to_api()) == ground_truth[name]["result"]


def test_specimen_run_is_flagged_not_fixed(real: Path) -> None:
    recognition = recognize((real / "specimen_front.jpg").read_bytes())
    assert recognition.to_api()["number"] == "12.749.625-K"
    assert recognition.checks.run_check_digit_valid is False
    assert recognition.fields["number"].confidence < 0.9
    assert "check digit" in recognition.fields["number"].reason


def test_details_describe_the_card(real: Path) -> None:
    recognition = recognize((real / "test_card_b_front_photo.jpg").read_bytes(), details=True)
    details = recognition.details()
    assert details["side"] == "front"
    assert details["card_type"] == "2013_national"
    assert details["dates_iso"] == {"birth": "2001-01-15", "issue_date": "2020-10-14", "expiry_date": "2031-01-15"}
    quad = np.array(details["card_quad"])
    # The card's corners are in the input's own pixels (4624 x 3468), around its middle.
    assert quad.shape == (4, 2)
    assert 0 <= quad[:, 0].min() < quad[:, 0].max() <= 4624
    assert 0 <= quad[:, 1].min() < quad[:, 1].max() <= 3468
    card_area = cv2.contourArea(quad.astype(np.float32))
    assert 0.2 * 4624 * 3468 < card_area < 0.8 * 4624 * 3468
    for name in ("number", "birth", "surname"):
        box = np.array(details["fields"][name]["box"])
        assert cv2.pointPolygonTest(quad.astype(np.float32).reshape(-1, 1, 2), tuple(box.mean(0)), False) > 0
