"""A card that is there but cannot be read is refused with what stops the reading (issue 24:
"a blurred card is refused as 'the text in the image is not a card's'"): measured on a real
photo made unreadable, and the measures on a synthetic capture whose card corners are known."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chile_id_ocr import RecognitionError, recognize
from chile_id_ocr.locate.diagnose import looks, why_unreadable
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.models.ocr import get_engine
from chile_id_ocr.synth import generate_front
from chile_id_ocr.vision.blind import BLURRED
from chile_id_ocr.vision.deblur import MotionBlur, line_kernel
from chile_id_ocr.vision.decode import decode

PHOTO = "test_card_b_front_photo.jpg"


def _jpeg(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return encoded.tobytes()


def _refusal(image: np.ndarray) -> str:
    with pytest.raises(RecognitionError) as refused:
        recognize(_jpeg(image))
    assert refused.value.code == "AIS.0104"
    return refused.value.error_msg


def test_a_real_card_smeared_past_reading_is_refused_as_blurred_not_as_no_card(real) -> None:
    photo = cv2.imread(str(real / PHOTO))
    smeared = cv2.filter2D(photo, -1, line_kernel(MotionBlur(90.0, 60.0)))  # deblurred, 50 px still reads
    message = _refusal(smeared)
    assert "A card was found but it is too blurred to read" in message, message


def test_a_real_card_in_the_dark_is_refused_as_too_dark(real) -> None:
    photo = cv2.imread(str(real / PHOTO))
    message = _refusal((photo * 0.3).astype(np.uint8))
    assert "too dark" in message, message


@pytest.fixture(scope="module")
def capture(template) -> tuple[np.ndarray, np.ndarray]:
    sample = generate_front(5003, "photo", template=template)
    return decode(sample.image).pixels, np.array(sample.truth["card_quad"], np.float32)


def test_a_sharp_well_lit_card_inside_the_frame_has_nothing_wrong(capture) -> None:
    image, quad = capture
    seen = looks(image, quad, cut_off=False)
    assert seen.smear < 8.0
    assert seen.median > 150
    sides = np.linalg.norm(quad - np.roll(quad, 1, axis=0), axis=1)
    assert seen.width == pytest.approx(float(sides.max()))  # the longer of the card's long sides
    assert why_unreadable(seen) is None


def test_each_measure_sees_what_was_done_to_the_card(capture) -> None:
    image, quad = capture
    smeared = cv2.filter2D(image, -1, line_kernel(MotionBlur(25.0, 10.0)))
    assert looks(smeared, quad, cut_off=False).smear >= 8.0
    assert looks((image * 0.5).astype(np.uint8), quad, cut_off=False).median < 150


@pytest.mark.parametrize("seed", [5001, 5005])
def test_a_card_cut_by_the_frame_runs_off_the_edge_and_one_inside_does_not(seed: int, template) -> None:
    """The card detector marks a card cut through by the image's edge up to that edge; a card
    inside the frame leaves unmarked cells there."""
    sample = generate_front(seed, "photo", template=template)
    decoded = decode(sample.image)
    left = np.array(sample.truth["card_quad"])[:, 0] * decoded.scale
    cut = int(left.min() + 0.3 * (left.max() - left.min()))  # 30 % of the card's width off the frame
    assert Scene(np.ascontiguousarray(decoded.pixels[:, cut:]), get_engine()).runs_off_edge
    assert not Scene(decoded.pixels, get_engine()).runs_off_edge


def test_a_shaken_card_inside_the_frame_is_not_called_cut_off(template) -> None:
    """Dev hard 5117: no card-shaped region, and the rectangle around every marked cell reached the
    image's edge; the card is well inside (its nearest corner 15 px from the edge) and smeared."""
    with pytest.raises(RecognitionError) as refused:
        recognize(generate_front(5117, "hard", template=template).image)
    assert "the camera moved" in refused.value.error_msg, refused.value.error_msg


def test_a_card_blurred_without_a_straight_smear_is_refused_as_blurred(capture) -> None:
    """A shake along a curved path, or a lens out of focus, leaves no straight smear to measure; the
    card's steepest slopes at the reading size say it is blurred (``blind.sharpness``)."""
    image, quad = capture
    assert looks(image, quad, cut_off=False).sharpness >= BLURRED
    seen = looks(cv2.GaussianBlur(image, (0, 0), 4.0), quad, cut_off=False)
    assert seen.smear < 8.0 and seen.sharpness < BLURRED
    assert "the camera moved or did not focus" in str(why_unreadable(seen))


def test_the_reasons_come_in_the_order_a_person_fixes_them(capture) -> None:
    image, quad = capture
    seen = looks(cv2.filter2D(image, -1, line_kernel(MotionBlur(25.0, 10.0))), quad, cut_off=False)
    assert "the camera moved" in str(why_unreadable(seen))
    small = cv2.resize(image, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA)
    assert "too small to read" in str(why_unreadable(looks(small, quad * 0.2, cut_off=False)))
