"""Layout registration keeps runners-up that place the card's rows differently."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.read.layout_fit import _distinct_rows, fit_card
from chile_id_ocr.read.ocr import get_engine
from chile_id_ocr.vision.decode import decode
from chile_id_ocr.vision.locate import whole_frame


def test_runners_up_are_on_other_rows_and_good_enough() -> None:
    score = np.array([10.0, 9.5, 8.0, 4.0, 7.0])
    scale_y = np.ones(5)
    shift_y = np.array([0.0, 0.001, 0.05, 0.10, -0.05])  # 1 repeats 0; 3 explains too little
    assert _distinct_rows(score, scale_y, shift_y) == [0, 2, 4]


def test_the_specimen_fits_with_alternatives(real: Path) -> None:
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    fit = fit_card(pixels, whole_frame(pixels), FRONT_2013, get_engine())
    assert fit is not None and fit.score > 0.9
    assert all(other.score <= fit.score for other in fit.alternatives)
    assert all(not other.alternatives for other in fit.alternatives)


def test_a_weak_fit_is_redone_inside_its_own_corners(real: Path) -> None:
    from chile_id_ocr.pipeline import _refined, find_card
    from chile_id_ocr.read.layout_fit import CardFit

    engine = get_engine()
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    right = find_card(pixels, FRONT_2013, engine)
    skewed = right.quad + np.array([[-30, 12], [25, -10], [18, 20], [-22, -15]], np.float32)
    weak = CardFit(quad=skewed, boxes=right.boxes, score=0.4, anchors_found=2)
    redone = _refined(pixels, weak, FRONT_2013, engine)
    assert redone.score > 0.85
    assert np.abs(redone.quad - right.quad).max() < 15  # from up to 30 px off; corners are extrapolated
