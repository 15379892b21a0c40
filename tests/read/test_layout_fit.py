"""Layout registration keeps runners-up that place the card's rows differently, refits
perspective from both ends of the printed lines, and levels text turned in its candidate."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from chile_id_ocr.card.layouts import FRONT_2013, LineSpec
from chile_id_ocr.locate.fit import _UNIT, NormBox, _distinct_rows, _refit, fit_card
from chile_id_ocr.locate.outline import whole_frame
from chile_id_ocr.models.ocr import get_engine
from chile_id_ocr.vision.decode import decode
from chile_id_ocr.vision.geometry import map_points


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
    from chile_id_ocr.locate.fit import CardFit
    from chile_id_ocr.locate.front import _refined, find_card
    from chile_id_ocr.locate.scene import Scene

    engine = get_engine()
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    scene = Scene(pixels, engine)
    right = find_card(scene, FRONT_2013)
    skewed = right.quad + np.array([[-30, 12], [25, -10], [18, 20], [-22, -15]], np.float32)
    weak = CardFit(quad=skewed, boxes=right.boxes, score=0.4, anchors_found=2)
    redone = _refined(scene, weak, FRONT_2013)
    assert redone.score > 0.85
    assert np.abs(redone.quad - right.quad).max() < 15  # from up to 30 px off; corners are extrapolated


def _line_box(x0: float, x1: float, y: float, h: float) -> NormBox:
    return NormBox(np.array([[x0, y - h / 2], [x1, y - h / 2], [x1, y + h / 2], [x0, y + h / 2]], np.float32), 0.9)


def _design_pairs() -> list[tuple[NormBox, LineSpec]]:
    """Every line of the design as the detector would see it on a perfectly rectified card."""
    return [(_line_box(line.x0, line.column[1], line.y, line.height * 0.8), line) for line in FRONT_2013.lines]


def test_a_rectified_card_needs_no_refit() -> None:
    assert _refit(_design_pairs()) is None


def test_the_refit_recovers_a_perspective_from_both_ends_of_the_lines() -> None:
    seen = np.array([[0.02, 0.05], [0.97, -0.01], [1.02, 1.04], [-0.03, 0.96]], np.float32)
    truth = cv2.getPerspectiveTransform(_UNIT, seen)  # design -> candidate
    pairs = [(NormBox(map_points(truth, box.quad), box.score), line) for box, line in _design_pairs()]
    found = _refit(pairs)
    assert found is not None
    assert np.abs(map_points(found, _UNIT) - seen).max() < 0.01


def test_a_perspective_that_tilts_the_lines_is_refused() -> None:
    """Left edges that a tilting homography explains (one column shifted down a row), but
    whose right ends say the lines run level: the unchanged geometry stays."""
    pairs = []
    for box, line in _design_pairs():
        if line.x0 > 0.5:  # the right column's left edges one row lower, their lines still level
            box = NormBox(box.quad + np.array([0.0, 0.05], np.float32), box.score)
        pairs.append((box, line))
    found = _refit(pairs)
    if found is not None:  # a refit may only move the corners a little
        assert np.abs(map_points(found, _UNIT) - _UNIT).max() < 0.02


def test_text_turned_a_few_degrees_is_levelled(real: Path) -> None:
    """The specimen turned 7 degrees inside a wider frame: the whole frame is an upright
    candidate; the fit levels the text, so the card's corners come out turned too."""
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    h, w = pixels.shape[:2]
    canvas = cv2.copyMakeBorder(pixels, h // 10, h // 10, w // 10, w // 10, cv2.BORDER_CONSTANT, value=(200, 200, 200))
    turn = cv2.getRotationMatrix2D((canvas.shape[1] / 2, canvas.shape[0] / 2), 7.0, 1.0)
    turned = cv2.warpAffine(canvas, turn, (canvas.shape[1], canvas.shape[0]), borderValue=(200, 200, 200))
    fit = fit_card(turned, whole_frame(turned), FRONT_2013, get_engine())
    assert fit is not None and fit.score > 0.8
    top = fit.quad[1] - fit.quad[0]
    assert abs(np.degrees(np.arctan2(top[1], top[0])) + 7.0) < 1.5  # the top edge turned with the card


def test_other_candidates_fits_are_read_after_the_fits_own_two_best() -> None:
    """A fit matching the most design lines can read worse than another candidate's: the
    reader gets the others' best fits among the alternatives, once each."""
    from chile_id_ocr.locate.fit import CardFit
    from chile_id_ocr.locate.front import _with_runners_up

    def fit(dx: float, score: float, alternatives: tuple[CardFit, ...] = ()) -> CardFit:
        quad = np.array([[0, 0], [400, 0], [400, 250], [0, 250]], np.float32) + np.array([dx, 0.0], np.float32)
        return CardFit(quad=quad, boxes=(), score=score, anchors_found=3, alternatives=alternatives)

    own = (fit(0, 0.5), fit(1, 0.45), fit(2, 0.4))  # the same candidate a row off, or the other way up
    best = fit(0, 0.6, own)
    tried = [fit(200, 0.3), best, fit(80, 0.4), fit(81, 0.35), fit(2, 0.59)]  # 81 repeats 80; 2 repeats best
    got = _with_runners_up(best, tried).alternatives
    assert [(float(f.quad[0, 0]), f.score) for f in got] == [(0, 0.5), (1, 0.45), (80, 0.4), (200, 0.3), (2, 0.4)]
